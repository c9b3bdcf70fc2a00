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
})();
