// The operations centre's screens, kept current without a reload: the live stream (/api/v1/live) says when a figure
// moved, and the page asks for the figures again and redraws the tiles, the map's counts and the alert list. The
// sensor panels come again every minute. A wall screen runs for days: a lost stream reconnects on its own
// (EventSource), and a failed request leaves the last values showing rather than blanking the wall.
(function () {
  "use strict";
  var root = document.querySelector("[data-ioc-live]");
  if (!root || !window.fetch) return;
  var lang = document.documentElement.lang === "en" ? "en-US" : "vi-VN";
  var counts = new Intl.NumberFormat(lang, { maximumFractionDigits: 0 });
  var shares = new Intl.NumberFormat(lang, { minimumFractionDigits: 1, maximumFractionDigits: 1 });
  var loading = null;
  var again = false;

  function text(figure) {
    if (figure.value === null || figure.value === undefined) return "—";
    return figure.kind === "share" ? shares.format(figure.value * 100) + " %" : counts.format(figure.value);
  }

  function byUnit(figure) {
    var map = {};
    (figure ? figure.byUnit : []).forEach(function (slice) { map[slice.key] = slice.part; });
    return map;
  }

  function drawMap(figures) {
    var reports = byUnit(figures["field-reports.open"]);
    var alerts = byUnit(figures["operations.alerts-open"]);
    var most = 1;
    Object.keys(reports).forEach(function (unit) { most = Math.max(most, reports[unit]); });
    root.querySelectorAll("[data-unit]").forEach(function (shape) {
      var unit = shape.getAttribute("data-unit");
      var count = reports[unit] || 0;
      shape.setAttribute("data-level", String(count === 0 ? 0 : Math.ceil(count / most * 4)));
      var label = shape.querySelector("[data-unit-count]");
      // Only units with something to show are labelled: the city centre's small wards sit close together.
      if (label) label.textContent = count ? counts.format(count) : "";
      var alert = shape.querySelector("[data-unit-alerts]");
      if (alert) alert.textContent = alerts[unit] ? "\u26a0 " + counts.format(alerts[unit]) : "";
    });
  }

  function draw(board) {
    var figures = {};
    board.figures.forEach(function (figure) {
      figures[figure.code] = figure;
      var tile = root.querySelector('[data-figure="' + figure.code.replace(/[^a-z0-9.-]/g, "") + '"]');
      var value = tile && tile.querySelector("[data-value]");
      if (value && value.textContent !== text(figure)) {
        value.textContent = text(figure);
        tile.classList.remove("ioc-moved");
        void tile.offsetWidth;
        tile.classList.add("ioc-moved");
      }
    });
    drawMap(figures);
    var stamp = root.querySelector("[data-updated]");
    if (stamp) stamp.textContent = new Date(board.asOf).toLocaleTimeString(lang, { timeZone: root.getAttribute("data-time-zone") || undefined });
    root.setAttribute("data-draws", String(Number(root.getAttribute("data-draws") || "0") + 1));
  }

  // One request at a time; changes heard meanwhile bring one more afterwards.
  function load() {
    if (loading) { again = true; return; }
    var abort = window.AbortController ? new AbortController() : null;
    var timer = abort ? setTimeout(function () { abort.abort(); }, 30000) : null;
    loading = fetch("/api/v1/operations/indicators", { credentials: "same-origin", cache: "no-store", signal: abort ? abort.signal : undefined })
      .then(function (response) { if (!response.ok) throw new Error(String(response.status)); return response.json(); })
      .then(draw)
      .catch(function () { /* the last values stay on screen; the next change or the minute's refresh tries again */ })
      .then(function () { if (timer) clearTimeout(timer); loading = null; if (again) { again = false; load(); } });
  }

  // One request per fragment at a time: a burst of changes must not pile requests up on a slow link. A fragment
  // answered by the sign-in page (the session ended) reloads the whole screen rather than drawing a form in a panel.
  function refresh(holder) {
    if (holder.getAttribute("data-loading")) return;
    holder.setAttribute("data-loading", "1");
    // A request that never answers (a half-open connection) must not stop the panel for good: it gives up at 30 s.
    var abort = window.AbortController ? new AbortController() : null;
    var timer = abort ? setTimeout(function () { abort.abort(); }, 30000) : null;
    fetch(holder.getAttribute("data-fragment"), { credentials: "same-origin", cache: "no-store", signal: abort ? abort.signal : undefined })
      .then(function (response) {
        if (response.redirected) { window.location.reload(); throw new Error("signed out"); }
        if (!response.ok) throw new Error(String(response.status));
        return response.text();
      })
      .then(function (html) { holder.innerHTML = html; })
      .catch(function () {})
      .then(function () { if (timer) clearTimeout(timer); holder.removeAttribute("data-loading"); });
  }

  var state = root.querySelector("[data-live-state]");
  if (window.EventSource) {
    var live = new EventSource("/api/v1/live?topics=operations.figures");
    live.addEventListener("open", function () { if (state) state.textContent = state.getAttribute("data-on"); });
    live.addEventListener("error", function () { if (state) state.textContent = state.getAttribute("data-off"); });
    live.addEventListener("change", function () {
      load();
      root.querySelectorAll("[data-fragment][data-on-change]").forEach(refresh);
    });
  }
  root.querySelectorAll("[data-fragment][data-every]").forEach(function (holder) {
    setInterval(function () { refresh(holder); }, Number(holder.getAttribute("data-every")) * 1000);
  });
  // Clock-driven figures (a deadline passing) move without a change of ours to hear of: look every minute as well.
  setInterval(load, 60000);
  load();
})();
