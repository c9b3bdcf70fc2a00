// What every page does once loaded: fold the navigation behind the menu button on small screens, register the
// service worker that keeps the app usable offline, and forget cached pages when someone signs out on a shared phone.
// Every page works without this script.
(function () {
  "use strict";
  var button = document.getElementById("menu-button");
  var nav = document.getElementById("site-nav");
  if (button && nav) {
    button.hidden = false;
    button.addEventListener("click", function () {
      var open = nav.classList.toggle("open");
      button.setAttribute("aria-expanded", open ? "true" : "false");
    });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && nav.classList.contains("open")) {
        nav.classList.remove("open");
        button.setAttribute("aria-expanded", "false");
        button.focus();
      }
    });
  }

  // A line in the status region under the header (read out by screen readers).
  window.HuesStatus = {
    say: function (text) {
      var region = document.getElementById("app-status");
      if (!region) return;
      var line = document.createElement("p");
      line.textContent = text;
      region.appendChild(line);
    }
  };

  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/sw.js").catch(function () {});
  }

  var logout = document.getElementById("logout-form");
  if (logout && "caches" in window) {
    logout.addEventListener("submit", function () {
      caches.keys().then(function (names) {
        names.filter(function (name) { return name.indexOf("hues-pages") === 0; }).forEach(function (name) { caches.delete(name); });
      });
    });
  }

  // Signing out also stops this browser showing the person's notices: the next person on a shared phone must not see
  // them. The sign-out waits for that at most two seconds, then goes ahead regardless.
  if (logout && "serviceWorker" in navigator && "PushManager" in window) {
    logout.addEventListener("submit", function (event) {
      if (logout.getAttribute("data-push-forgotten")) return;
      event.preventDefault();
      var token = logout.querySelector("input[name=_csrf]");
      var headers = { "X-CSRF-Token": token ? token.value : "", "Accept": "application/json" };
      var list = "/api/v1/notices/push/subscriptions";
      var forget = navigator.serviceWorker.getRegistration().then(function (reg) {
        return reg ? reg.pushManager.getSubscription() : null;
      }).then(function (subscription) {
        if (!subscription) return null;
        return fetch(list, { credentials: "same-origin", headers: headers }).then(function (r) { return r.ok ? r.json() : { items: [] }; })
          .then(function (mine) {
            var match = mine.items.filter(function (item) { return item.endpoint === subscription.endpoint; })[0];
            return match ? fetch(list + "/" + match.id, { method: "DELETE", credentials: "same-origin", headers: headers }) : null;
          }).then(function () { return subscription.unsubscribe(); });
      }).catch(function () {});
      var timeout = new Promise(function (resolve) { setTimeout(resolve, 2000); });
      Promise.race([forget, timeout]).then(function () {
        logout.setAttribute("data-push-forgotten", "1");
        logout.submit();
      });
    });
  }
})();
