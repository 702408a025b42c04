// The intelligence picture: boundaries (the offline basemap), forecast cells, live deployments.
(function () {
  "use strict";
  var RAMP = ["#fee5d9", "#fcae91", "#fb6a4a", "#de2d26", "#a50f15"];
  var map = L.map("map", { zoomSnap: 0.5, attributionControl: true, keyboard: true });
  map.attributionControl.setPrefix("Leaflet · boundaries: ONS/GLA (OGL)");
  map.setView([51.5, -0.12], 10);
  var layers = { boroughs: null, wards: null, cells: null, live: null };
  var breaks = [];

  function getJSON(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { if (!r.ok) { throw new Error(url + ": " + r.status); } return r.json(); });
  }
  function text(tag, value, cls) {
    var el = document.createElement(tag); el.textContent = value; if (cls) { el.className = cls; } return el;
  }
  function colour(v) {
    for (var i = breaks.length - 1; i >= 0; i--) { if (v >= breaks[i]) { return RAMP[i]; } }
    return RAMP[0];
  }
  function pct(v) { return v === null || v === undefined ? "n/a" : (100 * v).toFixed(1) + " %"; }

  function showPlace(latlng) {
    var box = document.getElementById("place");
    box.textContent = "Loading…";
    getJSON("/api/v1/places?lon=" + latlng.lng.toFixed(6) + "&lat=" + latlng.lat.toFixed(6))
      .then(function (p) {
        box.textContent = "";
        var where = [p.ward && p.ward.name, p.borough && p.borough.name].filter(Boolean).join(", ");
        box.appendChild(text("h3", where || "Outside the study area"));
        var r = p.recent_events || {};
        if (r.total !== undefined) {
          box.appendChild(text("p", r.total + " recorded events in the 12 months to " + (r.to || "").slice(0, 10) + (p.ward ? " in the ward" : "")));
          var ul = document.createElement("ul");
          Object.keys(r.by_category || {}).forEach(function (k) { ul.appendChild(text("li", k + ": " + r.by_category[k])); });
          box.appendChild(ul);
        }
        var f = p.forecast;
        if (f) {
          box.appendChild(text("p", "Forecast (" + f.model + ", next day): " +
            (f.cell_expected === null ? "n/a" : f.cell_expected.toFixed(3)) + " expected in this cell" +
            (f.cell_in_top ? " (a top cell)" : "") +
            (f.area_expected !== undefined ? "; " + f.area_expected.toFixed(2) + " in the area" : "")));
        }
      })
      .catch(function (e) { box.textContent = "Could not load this place: " + e.message; });
  }

  function legend(props) {
    var box = document.getElementById("legend");
    box.textContent = "";
    box.appendChild(text("p", "Top " + pct(props.coverage) + " of the area by expected serious violence, " +
      (props.start || "").slice(0, 16).replace("T", " ") + " to " + (props.end || "").slice(0, 16).replace("T", " ")));
    var ramp = document.createElement("div"); ramp.className = "ramp";
    RAMP.forEach(function (c) { var s = document.createElement("span"); s.style.background = c; ramp.appendChild(s); });
    box.appendChild(ramp);
    if (breaks.length) {
      box.appendChild(text("p", "Expected events per cell: " + breaks.map(function (b) { return "≥ " + b.toFixed(3); }).join(" · ")));
    }
    var a = props.accuracy || {};
    var dl = document.createElement("dl");
    function row(k, v) { dl.appendChild(text("dt", k)); dl.appendChild(text("dd", v)); }
    row("Model", props.model);
    if (a.measured) {
      row("Measured accuracy", "hit rate " + pct(a.hit_rate) + " at 5 % coverage (naive: " + pct(a.naive_hit_rate) + ")");
      row("PAI · PEI*", (a.pai === null ? "n/a" : a.pai.toFixed(2)) + " · " + (a.pei_star === null ? "n/a" : a.pei_star.toFixed(2)));
      row("Backtest", a.windows + " windows, " + a.events + " events, " + (a.from || "").slice(0, 10) + " to " + (a.to || "").slice(0, 10));
    } else {
      row("Measured accuracy", "not measured: " + (a.reason || "no events in the backtest period"));
    }
    if (props.trained_on_events !== undefined) { row("Trained on", props.trained_on_events + " events"); }
    box.appendChild(dl);
  }

  function loadForecast() {
    var w = document.getElementById("window").value;
    document.getElementById("legend").textContent = "Loading the forecast…";
    getJSON("/api/v1/forecast?window=" + encodeURIComponent(w)).then(function (fc) {
      var values = fc.features.map(function (f) { return f.properties.expected; }).sort(function (a, b) { return a - b; });
      breaks = values.length ? [0, 0.2, 0.4, 0.6, 0.8].map(function (q) { return values[Math.floor(q * (values.length - 1))]; }) : [];
      if (layers.cells) { map.removeLayer(layers.cells); }
      layers.cells = L.geoJSON(fc, {
        style: function (f) { return { color: "#67000d", weight: 0.5, fillColor: colour(f.properties.expected), fillOpacity: 0.75 }; },
        onEachFeature: function (f, layer) {
          layer.bindTooltip("rank " + f.properties.rank + ": " + f.properties.expected.toFixed(3) + " expected");
        }
      }).addTo(map);
      legend(fc.properties || {});
    }).catch(function (e) { document.getElementById("legend").textContent = "Forecast unavailable: " + e.message; });
  }

  function loadLive() {
    getJSON("/api/v1/map/deployments").then(function (fc) {
      if (layers.live) { map.removeLayer(layers.live); }
      layers.live = L.geoJSON(fc, { style: { color: "#1d4f91", weight: 3, fillOpacity: 0.15, dashArray: "6 4" } }).addTo(map);
      var list = document.getElementById("live");
      list.textContent = "";
      if (!fc.features.length) { list.appendChild(text("li", "None active or authorised.")); }
      fc.features.forEach(function (f) {
        var p = f.properties, li = document.createElement("li"), a = document.createElement("a");
        a.href = "/deployments/" + p.id; a.textContent = p.id;
        li.appendChild(a);
        var hours = p.state === "active" ? p.seconds_remaining / 3600 : p.seconds_to_start / 3600;
        li.appendChild(document.createTextNode(" " + p.profile + ", " + p.state + (p.state === "active" ?
          ": " + hours.toFixed(1) + " h remaining (ends " + p.end_local + ")" : ": starts in " + hours.toFixed(1) + " h")));
        list.appendChild(li);
      });
    }).catch(function () { document.getElementById("live").textContent = "Live deployments unavailable."; });
  }

  getJSON("/api/v1/areas?level=borough").then(function (b) {
    layers.boroughs = L.geoJSON(b, { style: { color: "#0b0c0c", weight: 1.5, fill: true, fillOpacity: 0.02 } }).addTo(map);
    layers.boroughs.eachLayer(function (l) { l.bindTooltip(l.feature.properties.name, { sticky: true }); });
    if (b.features.length) { map.fitBounds(layers.boroughs.getBounds()); }
    loadForecast();
    loadLive();
  });
  map.on("zoomend", function () {
    if (map.getZoom() >= 12 && !layers.wards) {
      getJSON("/api/v1/areas?level=ward").then(function (w) {
        layers.wards = L.geoJSON(w, { style: { color: "#505a5f", weight: 0.7, fill: false }, interactive: false }).addTo(map);
      });
    }
  });
  map.on("click", function (e) { showPlace(e.latlng); });
  document.getElementById("window").addEventListener("change", loadForecast);
  setInterval(loadLive, 30000);
})();
