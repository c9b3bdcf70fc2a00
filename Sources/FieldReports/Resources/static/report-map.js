// The public report map: Leaflet (served by the platform from the system's copy), the tile server the city
// configured, the wards as a layer, and the reports on screen from the map feed: counts per cell when zoomed out,
// clustered points when zoomed in. Without tiles (no server configured or none reachable) the wards and reports
// still show on a blank background. The list under the map works without any of this.
(function () {
  "use strict";
  var box = document.getElementById("report-map");
  if (!box || !window.L) return;
  // Leaflet inserts tooltips and popups as HTML: every string from data is escaped first.
  function text(value) { var span = document.createElement("span"); span.textContent = value; return span.innerHTML; }
  var centre = (box.getAttribute("data-center") || "16.47,107.59").split(",").map(Number);
  var map = L.map(box, { center: centre, zoom: 13, minZoom: 9, maxZoom: 19 });
  var tiles = box.getAttribute("data-tiles");
  if (tiles) L.tileLayer(tiles, { maxZoom: 19, attribution: box.getAttribute("data-attribution") || "" }).addTo(map);

  fetch(box.getAttribute("data-boundaries"), { credentials: "same-origin" }).then(function (r) { return r.ok ? r.json() : null; })
    .then(function (data) {
      if (!data) return;
      L.geoJSON(data, {
        style: { color: "#5b2a86", weight: 1, fillColor: "#f7f5ee", fillOpacity: tiles ? 0.05 : 0.6 },
        onEachFeature: function (feature, layer) { layer.bindTooltip(text(feature.properties.name), { sticky: true }); }
      }).addTo(map).bringToBack();
    }).catch(function () {});

  var COLOURS = { open: "#d97706", overdue: "#a4161a", closed: "#15803d" };
  var points = L.markerClusterGroup ? L.markerClusterGroup({ showCoverageOnHover: false, maxClusterRadius: 40 }) : L.layerGroup();
  var cells = L.layerGroup();
  map.addLayer(points);
  map.addLayer(cells);
  var label = box.getAttribute("data-report-label") || "";
  var filter = box.getAttribute("data-filter");

  function draw(data) {
    points.clearLayers();
    cells.clearLayers();
    data.features.forEach(function (feature) {
      var at = [feature.geometry.coordinates[1], feature.geometry.coordinates[0]];
      var p = feature.properties;
      if (p.count !== undefined) {
        var marker = L.circleMarker(at, { radius: Math.min(28, 6 + 4 * Math.log(p.count)), color: "#fff", weight: 1,
          fillColor: p.open > 0 ? COLOURS.open : COLOURS.closed, fillOpacity: 0.85 });
        marker.bindTooltip(String(p.count), { permanent: true, direction: "center", className: "cell-count" });
        marker.on("click", function () { map.setView(at, Math.min(map.getZoom() + 2, 19)); });
        cells.addLayer(marker);
      } else {
        var pin = L.circleMarker(at, { radius: 7, color: "#fff", weight: 1, fillColor: COLOURS[p.status] || COLOURS.open, fillOpacity: 0.95 });
        pin.bindPopup('<a href="/reports/' + encodeURIComponent(p.code) + '">' + text(label + " " + p.code) + "</a>");
        points.addLayer(pin);
      }
    });
  }

  // A console or a report page brings its own points (already chosen for the person looking): draw them and fit.
  var inline = box.getAttribute("data-points");
  if (inline) {
    var data = JSON.parse(inline);
    draw(data);
    box.setAttribute("data-features", String(data.features.length));
    if (data.features.length) {
      map.fitBounds(L.latLngBounds(data.features.map(function (f) { return [f.geometry.coordinates[1], f.geometry.coordinates[0]]; })),
        { maxZoom: 17, padding: [24, 24] });
    }
    return;
  }

  var pending = null;
  function load(fresh) {
    var b = map.getBounds();
    var bbox = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map(function (n) { return n.toFixed(5); }).join(",");
    var url = box.getAttribute("data-feed") + "?bbox=" + bbox + "&zoom=" + map.getZoom() + (filter ? "&" + filter : "");
    if (pending) pending.abort();
    pending = window.AbortController ? new AbortController() : null;
    fetch(url, { credentials: "same-origin", cache: fresh === true ? "no-cache" : "default", signal: pending ? pending.signal : undefined })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) { if (data) { draw(data); box.setAttribute("data-features", String(data.features.length)); } })
      .catch(function () {});
  }
  var timer = null;
  map.on("moveend", function () { clearTimeout(timer); timer = setTimeout(load, 150); });
  load();
  // Reports filed or moved anywhere in the city (on any instance) redraw the map within a moment; the stream says
  // only that something changed, the feed says what. The browser reconnects on its own if the stream drops.
  if (window.EventSource && box.getAttribute("data-live")) {
    var live = new EventSource(box.getAttribute("data-live"));
    // Every open map hears the same event at once: each waits a random 0.5–3 s, and refreshes at most every 5 s,
    // so a crowd does not ask the feed in one instant.
    var lastLive = 0;
    live.addEventListener("change", function () {
      box.setAttribute("data-live-changes", String(Number(box.getAttribute("data-live-changes") || "0") + 1));
      var wait = Math.max(500 + Math.random() * 2500, lastLive + 5000 - Date.now());
      clearTimeout(timer);
      timer = setTimeout(function () { lastLive = Date.now(); load(true); }, wait);
    });
  }
})();
