// The report form's helpers: fill the position from the device, and show open reports of the same category nearby
// so people can support one instead of filing it again. The form works without this script.
(function () {
  var form = document.getElementById("report-form");
  if (!form) return;
  var lat = document.getElementById("latitude");
  var lon = document.getElementById("longitude");
  var category = document.getElementById("category");
  var box = document.getElementById("suggestions-box");
  var list = document.getElementById("suggestions");
  var draft = document.getElementById("draft");
  // One key per filled form: a double click or a resend after a timeout files the report once.
  if (draft && !draft.value) draft.value = Date.now().toString(36) + Math.random().toString(36).slice(2, 10);

  function suggest() {
    if (!lat.value || !lon.value) return;
    var url = "/api/v1/field-reports/nearby?category=" + encodeURIComponent(category.value) + "&lat=" + encodeURIComponent(lat.value) +
      "&lon=" + encodeURIComponent(lon.value);
    fetch(url, { credentials: "same-origin" }).then(function (r) { return r.ok ? r.json() : []; }).then(function (items) {
      list.textContent = "";
      items.forEach(function (item) {
        var li = document.createElement("li");
        var a = document.createElement("a");
        a.href = "/reports/" + item.code;
        a.textContent = item.code + " (" + item.distanceMeters + " m): " + item.description;
        li.appendChild(a);
        list.appendChild(li);
      });
      box.hidden = items.length === 0;
    }).catch(function () {});
  }

  // Without signal the form is kept on the phone and sent later (report-queue.js), instead of a browser error page.
  form.addEventListener("submit", function (event) {
    if (navigator.onLine || !window.HuesReportQueue) return;
    event.preventDefault();
    window.HuesReportQueue.enqueue(form).then(function () {
      form.reset();
      draft.value = Date.now().toString(36) + Math.random().toString(36).slice(2, 10);
      window.scrollTo(0, 0);
    }).catch(function (problem) {
      window.HuesStatus && HuesStatus.say(problem.message);
    });
  });

  lat.addEventListener("change", suggest);
  lon.addEventListener("change", suggest);
  var locate = document.getElementById("locate");
  if (locate && navigator.geolocation) {
    locate.addEventListener("click", function () {
      navigator.geolocation.getCurrentPosition(function (position) {
        lat.value = position.coords.latitude.toFixed(6);
        lon.value = position.coords.longitude.toFixed(6);
        lat.dispatchEvent(new Event("change"));
        lon.dispatchEvent(new Event("change"));
      }, function () {
        // Refused or unavailable: say so, and leave the address and the two boxes to fill by hand.
        var help = document.getElementById("location-fallback");
        if (help) help.hidden = false;
        document.getElementById("address").focus();
      }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
    });
  } else if (locate) {
    locate.hidden = true;
  }
  // The map under the location boxes: tap or drag the pin, and the boxes follow; type in the boxes, and the pin does.
  var box = document.getElementById("form-map");
  if (box && window.L) {
    var start = (lat.value && lon.value) ? [Number(lat.value), Number(lon.value)] : (box.getAttribute("data-center") || "16.47,107.59").split(",").map(Number);
    var map = L.map(box, { center: start, zoom: lat.value ? 17 : 14, maxZoom: 19 });
    var tiles = box.getAttribute("data-tiles");
    if (tiles) L.tileLayer(tiles, { maxZoom: 19, attribution: box.getAttribute("data-attribution") || "" }).addTo(map);
    fetch(box.getAttribute("data-boundaries"), { credentials: "same-origin" }).then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (data) L.geoJSON(data, { style: { color: "#5b2a86", weight: 1, fillColor: "#f7f5ee", fillOpacity: tiles ? 0.05 : 0.6 } }).addTo(map).bringToBack();
      }).catch(function () {});
    var pin = L.marker(start, { draggable: true, keyboard: true, title: box.getAttribute("aria-label") || "" }).addTo(map);
    var place = function (at) {
      pin.setLatLng(at);
      lat.value = at.lat.toFixed(6);
      lon.value = at.lng.toFixed(6);
      suggest();
    };
    pin.on("dragend", function () { place(pin.getLatLng()); });
    map.on("click", function (event) { place(event.latlng); });
    var follow = function () {
      var a = Number(lat.value), b = Number(lon.value);
      if (lat.value && lon.value && isFinite(a) && isFinite(b)) { pin.setLatLng([a, b]); map.panTo([a, b]); }
    };
    lat.addEventListener("change", follow);
    lon.addEventListener("change", follow);
  }
  suggest();
})();
