// The dossier's map: the deployment polygon over ward and borough outlines, ward names as
// labels, forecast cells shaded by city rank. Its data come from the page (a JSON block, no
// inline script). The map is a picture: its shapes are not tab stops and the same facts are
// listed beside it as text. Imported names are set as text, never as HTML.
(function () {
  "use strict";
  var box = document.getElementById("dossier-map");
  var source = document.getElementById("dossier-data");
  if (!box || !source || typeof L === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  var RAMP = ["#fee5d9", "#fcae91", "#fb6a4a", "#de2d26", "#a50f15"];
  var map = L.map(box, { zoomSnap: 0.25, keyboard: false, attributionControl: false, zoomControl: false, scrollWheelZoom: false, zoomAnimation: false, fadeAnimation: false, markerZoomAnimation: false });

  function quiet(layer) {
    layer.eachLayer(function (l) {
      var el = l.getElement && l.getElement();
      if (el) { el.setAttribute("tabindex", "-1"); el.setAttribute("focusable", "false"); el.setAttribute("aria-hidden", "true"); }
    });
  }
  function shade(rank, total) {
    var share = rank / Math.max(total, 1);
    if (share <= 0.01) { return RAMP[4]; }
    if (share <= 0.02) { return RAMP[3]; }
    if (share <= 0.05) { return RAMP[2]; }
    if (share <= 0.20) { return RAMP[1]; }
    return RAMP[0];
  }
  function label(text) { var s = document.createElement("span"); s.textContent = text; return s; }

  // The view first: Leaflet draws layers added to a map without one only once it has one.
  var area = L.geoJSON(data.polygon, { interactive: false, style: { color: "#1d4f91", weight: 3, fillColor: "#1d4f91", fillOpacity: 0.08 } });
  map.fitBounds(area.getBounds(), { padding: [24, 24], animate: false });
  var wards = L.geoJSON(data.wards, {
    interactive: false,
    style: function (f) { return { color: "#505a5f", weight: f.properties.selected ? 1.6 : 0.8, fill: false }; }
  }).addTo(map);
  var boroughs = L.geoJSON(data.boroughs, { interactive: false, style: { color: "#0b0c0c", weight: 2.2, fill: false } }).addTo(map);
  var cells = null;
  if (data.cells && data.cells.features && data.cells.features.length) {
    var total = data.city_cells || 1;
    cells = L.geoJSON(data.cells, {
      interactive: false,
      style: function (f) {
        return { stroke: f.properties.inside, color: "#7f2704", weight: 0.4, fillColor: shade(f.properties.rank, total), fillOpacity: 0.7 };
      }
    }).addTo(map);
  }
  area.addTo(map);
  area.eachLayer(function (l) { var el = l.getElement && l.getElement(); if (el) { el.setAttribute("data-testid", "dossier-polygon"); } });
  [wards, boroughs, area].concat(cells ? [cells] : []).forEach(quiet);
  // A narrower or wider window (a phone turned, a print preview): the area stays in view.
  var pending = null;
  window.addEventListener("resize", function () {
    clearTimeout(pending);
    pending = setTimeout(function () { map.invalidateSize(); map.fitBounds(area.getBounds(), { padding: [24, 24], animate: false }); }, 50);
  });

  // Ward names at their outlines' centres (tooltips hold text elements, never HTML strings).
  var view = map.getBounds().pad(0.1);
  wards.eachLayer(function (l) {
    var centre = l.getBounds().getCenter();
    if (!view.contains(centre)) { return; }
    var marker = L.circleMarker(centre, { radius: 0, opacity: 0, fillOpacity: 0, interactive: false }).addTo(map);
    marker.bindTooltip(label(l.feature.properties.name), { permanent: true, direction: "center", className: "ward-label" });
    var el = marker.getElement && marker.getElement();
    if (el) { el.setAttribute("tabindex", "-1"); el.setAttribute("aria-hidden", "true"); }
  });
})();
