// Turns notices on this device on and off: asks the browser's permission, subscribes its push manager with the
// platform's key and hands the subscription to the server (or takes it back). The service worker shows what arrives.
(function () {
  "use strict";
  var box = document.getElementById("push");
  if (!box || !("serviceWorker" in navigator) || !("PushManager" in window) || !("Notification" in window)) return;
  var on = document.getElementById("push-on"), off = document.getElementById("push-off"), state = document.getElementById("push-state");
  var subscriptions = "/api/v1/notices/push/subscriptions";
  box.hidden = false;

  function say(key) { state.textContent = box.getAttribute("data-state-" + key) || ""; }
  function show(subscribed) { on.hidden = subscribed; off.hidden = !subscribed; say(subscribed ? "on" : "off"); }
  function api(method, url, body) {
    var headers = { "X-CSRF-Token": box.getAttribute("data-csrf") || "", "Accept": "application/json" };
    if (body) headers["Content-Type"] = "application/json";
    return fetch(url, { method: method, credentials: "same-origin", headers: headers, body: body ? JSON.stringify(body) : undefined })
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.status === 204 ? null : response.json();
      });
  }
  // applicationServerKey wants the key's bytes; the server gives base64url.
  function bytes(text) {
    var base64 = text.replace(/-/g, "+").replace(/_/g, "/");
    while (base64.length % 4) base64 += "=";
    var raw = atob(base64), out = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
    return out;
  }
  function registration() { return navigator.serviceWorker.ready; }

  registration().then(function (reg) { return reg.pushManager.getSubscription(); })
    .then(function (subscription) { show(Boolean(subscription) && Notification.permission === "granted"); })
    .catch(function () { show(false); });

  on.addEventListener("click", function () {
    Notification.requestPermission().then(function (permission) {
      if (permission !== "granted") { say("denied"); return null; }
      return api("GET", "/api/v1/notices/push/key").then(function (key) {
        return registration().then(function (reg) {
          return reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: bytes(key.publicKey) });
        });
      }).then(function (subscription) { return api("POST", subscriptions, subscription.toJSON()); })
        .then(function () { show(true); });
    }).catch(function () { say("failed"); });
  });

  off.addEventListener("click", function () {
    registration().then(function (reg) { return reg.pushManager.getSubscription(); }).then(function (subscription) {
      if (!subscription) return null;
      return api("GET", subscriptions).then(function (list) {
        var mine = list.items.filter(function (item) { return item.endpoint === subscription.endpoint; })[0];
        return mine ? api("DELETE", subscriptions + "/" + mine.id) : null;
      }).then(function () { return subscription.unsubscribe(); });
    }).then(function () { show(false); }).catch(function () { say("failed"); });
  });
})();
