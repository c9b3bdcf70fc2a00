// The HueS service worker. Static files come from the cache (filled when the worker installs, renewed with every
// release: the server writes VERSION and ASSETS into this file). Pages come from the network; when there is no
// signal, the last copy of a page kept for offline use is shown, or the offline page. Only the pages in KEEP are
// kept, each for the person it was made for: pages say whom they show (the Hues-Viewer header, a hash), and when a
// page for someone else (or for nobody) arrives, the kept pages are dropped, so a shared phone never shows one
// person's page to the next. Sign-out drops them too (app.js); the offline page is fetched without cookies.
// Writes (POST and the rest) always go to the network: reports made offline wait in the page's queue instead.
// Notices pushed by the server (Web Push, encrypted for this browser; the browser decrypts them) are shown as
// notifications; tapping one opens its page on this site, never another.
"use strict";
var VERSION = "__VERSION__";
var ASSETS = __ASSETS__;
var STATIC = "hues-static-" + VERSION;
var PAGES = "hues-pages";
var KEEP = [/^\/$/, /^\/reports\/new(\?category=[a-z0-9-]+)?$/, /^\/procedures$/];
var VIEWER = "/__hues_viewer";

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
  if (url.pathname.indexOf("/static/") === 0 || url.pathname.indexOf("/vendor/") === 0) {
    event.respondWith(caches.match(request, { ignoreSearch: true }).then(function (hit) { return hit || fetch(request); }));
  } else if (request.mode === "navigate") {
    event.respondWith(page(request, url));
  }
});

function kept(url) {
  return KEEP.some(function (pattern) { return pattern.test(url.pathname + url.search); });
}

// Keeps pages only for the person the latest page was made for; anyone else's are dropped first.
function remember(request, response, url) {
  var viewer = response.headers.get("Hues-Viewer") || "";
  return caches.open(PAGES).then(function (cache) {
    return cache.match(VIEWER).then(function (known) { return known ? known.text() : null; }).then(function (previous) {
      var ready = previous === viewer ? Promise.resolve() : caches.delete(PAGES).then(function () { return caches.open(PAGES); })
        .then(function (fresh) { cache = fresh; return fresh.put(VIEWER, new Response(viewer)); });
      return ready.then(function () { if (response.ok && kept(url)) return cache.put(request, response); });
    });
  });
}

function page(request, url) {
  return fetch(request).then(function (response) {
    remember(request, response.clone(), url).catch(function () {});
    return response;
  }).catch(function () {
    return caches.open(PAGES).then(function (cache) { return cache.match(request); })
      .then(function (hit) { return hit || caches.match("/offline"); });
  });
}

self.addEventListener("push", function (event) {
  var notice = {};
  if (event.data) {
    try { notice = event.data.json(); } catch (error) { notice = { body: event.data.text() }; }
  }
  event.waitUntil(self.registration.showNotification(notice.title || "HueS", {
    body: notice.body || "", tag: notice.id, icon: "/static/icons/icon-192.png", data: { link: notice.link || "/notices" },
  }));
});

self.addEventListener("notificationclick", function (event) {
  event.notification.close();
  var link = (event.notification.data && event.notification.data.link) || "/notices";
  // Only a page of this site: a notice never sends anyone elsewhere (the URL parser decides, not a prefix check).
  var target = new URL("/notices", self.location.origin).href;
  try {
    var url = new URL(link, self.location.origin);
    if (url.origin === self.location.origin) target = url.href;
  } catch (error) { /* not a URL: the notices page */ }
  event.waitUntil(self.clients.matchAll({ type: "window", includeUncontrolled: true }).then(function (windows) {
    for (var i = 0; i < windows.length; i++) {
      if (windows[i].url === target && "focus" in windows[i]) return windows[i].focus();
    }
    return self.clients.openWindow(target);
  }));
});
