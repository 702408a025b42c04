// The proposal form one step at a time (all steps show without JS), and drawing the area.
(function () {
  "use strict";
  var form = document.getElementById("propose");
  var steps = Array.prototype.slice.call(form.querySelectorAll(".step"));
  var items = document.querySelectorAll("#step-list li");
  var current = 0;
  form.classList.add("js");
  function show(i, focus) {
    current = Math.max(0, Math.min(steps.length - 1, i));
    steps.forEach(function (s, k) { s.classList.toggle("current", k === current); });
    items.forEach(function (li, k) {
      li.classList.toggle("current", k === current);
      if (k === current) { li.setAttribute("aria-current", "step"); } else { li.removeAttribute("aria-current"); }
    });
    document.getElementById("step-back").disabled = current === 0;
    document.getElementById("step-next").hidden = current === steps.length - 1;
    var first = steps[current].querySelector("input, select, textarea");
    if (first && focus) { first.focus(); }
    if (current === 1 && map) { setTimeout(function () { map.invalidateSize(); }, 50); }
  }
  function valid(step) {
    var fields = step.querySelectorAll("input, select, textarea");
    for (var i = 0; i < fields.length; i++) { if (!fields[i].checkValidity()) { fields[i].reportValidity(); return false; } }
    return true;
  }
  document.getElementById("step-next").addEventListener("click", function () { if (valid(steps[current])) { show(current + 1, true); } });
  document.getElementById("step-back").addEventListener("click", function () { show(current - 1, true); });
  form.addEventListener("submit", function (e) {
    for (var i = 0; i < steps.length; i++) {
      if (!valid(steps[i])) { e.preventDefault(); show(i, true); return; }
    }
  });

  // Drawing: click corners, then Finish; the polygon goes into the hidden geojson field.
  var map = null, points = [], shape = null, drawing = false;
  var holder = document.getElementById("draw-map");
  if (holder && window.L) {
    map = L.map(holder).setView([51.5, -0.12], 10);
    map.attributionControl.setPrefix("Leaflet");
    fetch("/api/v1/areas?level=borough", { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (b) {
      var layer = L.geoJSON(b, { style: { color: "#0b0c0c", weight: 1, fillOpacity: 0.03 }, interactive: false }).addTo(map);
      if (b.features.length) { map.fitBounds(layer.getBounds()); }
    });
    map.on("click", function (e) {
      if (!drawing) { return; }
      points.push([e.latlng.lat, e.latlng.lng]);
      if (shape) { map.removeLayer(shape); }
      shape = L.polygon(points, { color: "#1d4f91" }).addTo(map);
    });
  }
  function finish() {
    drawing = false;
    var field = document.getElementById("geojson");
    if (points.length < 3) { field.value = ""; return; }
    var ring = points.map(function (p) { return [p[1], p[0]]; });
    ring.push(ring[0]);
    field.value = JSON.stringify({ type: "Polygon", coordinates: [ring] });
  }
  document.getElementById("draw-start").addEventListener("click", function () { drawing = true; points = []; if (shape) { map.removeLayer(shape); shape = null; } });
  document.getElementById("draw-finish").addEventListener("click", finish);
  document.getElementById("draw-clear").addEventListener("click", function () {
    drawing = false; points = []; document.getElementById("geojson").value = "";
    if (shape) { map.removeLayer(shape); shape = null; }
  });
  show(0);
})();
