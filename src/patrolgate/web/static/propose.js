// The proposal form one step at a time (all steps show without JS), the searchable area
// picker with its map preview, and drawing the area.
(function () {
  "use strict";
  var form = document.getElementById("propose");
  if (!form) { return; }
  var steps = Array.prototype.slice.call(form.querySelectorAll(".step"));
  var items = document.querySelectorAll("#step-list li");
  var current = 0;
  // London's extent: the maps open on the city, never on the world.
  var LONDON = [[51.28, -0.51], [51.70, 0.34]];
  form.classList.add("js");
  Array.prototype.forEach.call(document.querySelectorAll(".js-only"), function (el) { el.hidden = false; });

  var map = null, points = [], shape = null, drawing = false, preview = null, wardShapes = null;
  function show(i, focus) {
    current = Math.max(0, Math.min(steps.length - 1, i));
    steps.forEach(function (s, k) { s.classList.toggle("current", k === current); });
    items.forEach(function (li, k) {
      li.classList.toggle("current", k === current);
      if (k === current) { li.setAttribute("aria-current", "step"); } else { li.removeAttribute("aria-current"); }
    });
    document.getElementById("step-back").disabled = current === 0;
    // No dead "Next" on the last step: the submit buttons are there instead.
    document.getElementById("step-next").hidden = current === steps.length - 1;
    var first = steps[current].querySelector("input:not([hidden]), select, textarea");
    if (first && focus) { first.focus(); }
    if (current === 1 && map) {
      setTimeout(function () { map.invalidateSize(); fitChosen(); }, 50);
    }
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

  // The area picker: typing filters wards (by ward or borough name) and boroughs.
  var search = document.getElementById("area-search");
  var wards = document.getElementById("area-wards");
  var boroughs = document.getElementById("area-boroughs");
  var count = document.getElementById("area-search-count");
  var chosen = document.getElementById("area-chosen");
  function filter() {
    var words = search.value.toLowerCase().split(/\s+/).filter(Boolean);
    var shown = 0;
    [wards, boroughs].forEach(function (list) {
      Array.prototype.forEach.call(list.options, function (option) {
        var text = option.getAttribute("data-search") || "";
        var match = words.every(function (w) { return text.indexOf(w) !== -1; });
        option.hidden = !match && !option.selected;
        if (match && list === wards) { shown += 1; }
      });
    });
    count.textContent = words.length ? shown + " wards match" : wards.options.length + " wards";
  }
  function selected() {
    return Array.prototype.filter.call(wards.options, function (o) { return o.selected; })
      .concat(Array.prototype.filter.call(boroughs.options, function (o) { return o.selected; }));
  }
  function describe() {
    var picked = selected();
    chosen.textContent = picked.length ? picked.map(function (o) { return o.textContent; }).join("; ") : "none yet";
  }
  search.addEventListener("input", filter);
  [wards, boroughs].forEach(function (list) {
    list.addEventListener("change", function () { describe(); previewChosen(); });
  });
  filter();

  function fitChosen() {
    if (preview && preview.getLayers().length) { map.fitBounds(preview.getBounds(), { maxZoom: 15 }); }
    else { map.fitBounds(LONDON); }
  }
  function previewChosen() {
    if (!map) { return; }
    var codes = selected().map(function (o) { return o.value; });
    function draw(collection) {
      if (preview) { map.removeLayer(preview); }
      var features = collection.features.filter(function (f) { return codes.indexOf(f.properties.code) !== -1; });
      preview = L.geoJSON({ type: "FeatureCollection", features: features },
        { style: { color: "#1d4f91", weight: 3, fillOpacity: 0.2 }, interactive: false }).addTo(map);
      fitChosen();
    }
    if (!codes.length) { if (preview) { map.removeLayer(preview); preview = null; } fitChosen(); return; }
    if (wardShapes) { draw(wardShapes); return; }
    Promise.all(["ward", "borough"].map(function (level) {
      return fetch("/api/v1/areas?level=" + level, { credentials: "same-origin" }).then(function (r) { return r.json(); });
    })).then(function (both) {
      wardShapes = { type: "FeatureCollection", features: both[0].features.concat(both[1].features) };
      draw(wardShapes);
    });
  }

  // Drawing: click corners, then Finish; the polygon goes into the hidden geojson field.
  var holder = document.getElementById("draw-map");
  if (holder && window.L) {
    map = L.map(holder, { maxBounds: [[51.0, -1.0], [52.0, 0.8]], minZoom: 8 });
    map.fitBounds(LONDON);
    map.attributionControl.setPrefix("Leaflet");
    fetch("/api/v1/areas?level=borough", { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (b) {
      L.geoJSON(b, { style: { color: "#0b0c0c", weight: 1, fillOpacity: 0.03 }, interactive: false }).addTo(map);
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
  describe();
  show(0);
})();
