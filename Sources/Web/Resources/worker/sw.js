// The HueS service worker. Static files come from the cache (filled when the worker installs, renewed with every
// release: the server writes VERSION and ASSETS into this file). Pages come from the network; when there is no
// signal, the last copy of a page kept for offline use is shown, or the offline page. Only the pages in KEEP are
// kept, and sign-out deletes them (app.js), so a shared phone does not show one person's pages to the next; the
// offline page is fetched without cookies for the same reason.
// Writes (POST and the rest) always go to the network: reports made offline wait in the page's queue instead.
"use strict";
var VERSION = "__VERSION__";
var ASSETS = __ASSETS__;
var STATIC = "hues-static-" + VERSION;
var PAGES = "hues-pages";
var KEEP = [/^\/$/, /^\/reports\/new$/, /^\/procedures$/];

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(STATIC).then(function (cache) {
    var requests = ASSETS.concat(["/offline"]).map(function (url) { return new Request(url, { cache: "reload", credentials: "omit" }); });
    return cache.addAll(requests);
  }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (name) { return name.indexOf("hues-static-") === 0 && name !== STATIC; })
      .map(function (name) { return caches.delete(name); }));
  }).then(function () { return self.clients.claim(); }));
});

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") return;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname.indexOf("/static/") === 0) {
    event.respondWith(caches.match(request, { ignoreSearch: true }).then(function (hit) { return hit || fetch(request); }));
  } else if (request.mode === "navigate") {
    event.respondWith(page(request, url));
  }
});

function kept(url) {
  return KEEP.some(function (pattern) { return pattern.test(url.pathname); });
}

function page(request, url) {
  return fetch(request).then(function (response) {
    if (response.ok && kept(url)) {
      var copy = response.clone();
      caches.open(PAGES).then(function (cache) { cache.put(request, copy); });
    }
    return response;
  }).catch(function () {
    return caches.match(request).then(function (hit) { return hit || caches.match("/offline"); });
  });
}
