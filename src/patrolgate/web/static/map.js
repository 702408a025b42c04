// The intelligence picture: boundaries (the offline basemap), forecast cells, live deployments,
// and the ranked list of places (the keyboard and screen-reader route to the same forecast).
// Every imported string (area names above all) is shown as text, never as HTML.
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
  // Tooltips get an element holding text: Leaflet would read a string as HTML.
  function tip(value) { return text("span", value); }
  // The map's shapes are not tab stops: the list of places is the keyboard route.
  function unfocusable(layer) {
    layer.eachLayer(function (l) {
      var el = l.getElement && l.getElement();
      if (el) { el.setAttribute("tabindex", "-1"); el.setAttribute("focusable", "false"); el.setAttribute("aria-hidden", "true"); }
    });
  }
  function colour(v) {
    for (var i = breaks.length - 1; i >= 0; i--) { if (v >= breaks[i]) { return RAMP[i]; } }
    return RAMP[0];
  }
  function pct(v) { return v === null || v === undefined ? "n/a" : (100 * v).toFixed(1) + " %"; }
  function num(v, d) { return v === null || v === undefined ? "n/a" : v.toFixed(d); }
  function when(iso) { return (iso || "").slice(0, 16).replace("T", " "); }

  function showPlace(lat, lng) {
    var box = document.getElementById("place");
    box.textContent = "Loading…";
    getJSON("/api/v1/places?lon=" + lng.toFixed(6) + "&lat=" + lat.toFixed(6))
      .then(function (p) {
        box.textContent = "";
        var where = [p.ward && p.ward.name, p.borough && p.borough.name].filter(Boolean).join(", ");
        box.appendChild(text("h3", where || "Outside the study area"));
        var r = p.recent_events || {};
        if (r.total !== undefined) {
          box.appendChild(text("p", r.total + " recorded events in the 12 months to " + (r.to || p.events_up_to || "").slice(0, 10) + (p.ward ? " in the ward" : "")));
          var ul = document.createElement("ul");
          Object.keys(r.by_category || {}).forEach(function (k) { ul.appendChild(text("li", k + ": " + r.by_category[k])); });
          box.appendChild(ul);
        }
        var f = p.forecast;
        if (f) {
          box.appendChild(text("p", "Forecast (" + f.model + ", " + when(f.start) + " to " + when(f.end) + "): " +
            (f.cell_expected === null ? "n/a" : f.cell_expected.toFixed(3)) + " expected in this cell" +
            (f.cell_in_top ? " (a top cell)" : "") +
            (f.area_expected !== undefined ? "; " + f.area_expected.toFixed(2) + " in the ward" : "")));
        }
      })
      .catch(function (e) { box.textContent = "Could not load this place: " + e.message; });
  }

  function places(list) {
    var ol = document.getElementById("places");
    ol.textContent = "";
    if (!list || !list.length) { ol.appendChild(text("li", "No forecast for this window.")); return; }
    list.forEach(function (p) {
      var li = document.createElement("li"), b = document.createElement("button");
      b.type = "button"; b.className = "link";
      b.textContent = p.name + (p.borough ? " (" + p.borough + ")" : "") + ": " + p.expected.toFixed(2) + " expected";
      b.addEventListener("click", function () { map.setView([p.lat, p.lon], 14); showPlace(p.lat, p.lon); });
      li.appendChild(b); ol.appendChild(li);
    });
  }

  function legend(props) {
    var box = document.getElementById("legend");
    box.textContent = "";
    if (props.events_up_to_text) {
      var up = props.events_up_to_text;
      document.getElementById("events-up-to").textContent = up.charAt(0).toUpperCase() + up.slice(1) + ".";
    }
    if (props.status !== "forecast") {
      box.appendChild(text("p", props.message || "No forecast for this window: no events or no study area yet.", "notice"));
    } else {
      box.appendChild(text("p", "Top " + pct(props.coverage) + " of the area by expected serious violence, " +
        props.window_title + ": " + when(props.start) + " to " + when(props.end)));
      var ramp = document.createElement("div"); ramp.className = "ramp";
      RAMP.forEach(function (c) { var s = document.createElement("span"); s.style.background = c; ramp.appendChild(s); });
      box.appendChild(ramp);
      if (breaks.length) {
        box.appendChild(text("p", "Expected events per cell: " + breaks.map(function (b) { return "≥ " + b.toFixed(3); }).join(" · ")));
      }
    }
    if (props.gate) { box.appendChild(text("p", props.gate, "notice")); }
    var a = props.accuracy || {};
    var dl = document.createElement("dl");
    function row(k, v) { dl.appendChild(text("dt", k)); dl.appendChild(text("dd", v)); }
    row("Model", props.model + (props.model_summary ? ": " + props.model_summary : ""));
    if (props.place_types) {
      row("Kinds of place", props.place_types.length ? props.place_types.join(", ") :
        "none recorded in these events, so one rhythm for all of them");
    }
    if (a.measured) {
      var gain = a.pai_minus_baseline;
      row("Measured accuracy", "hit rate " + pct(a.hit_rate) + " in the top " + pct(a.coverage) + " (three-year counts: " + pct(a.baseline_hit_rate) + ")");
      row("PAI", num(a.pai, 2) + (gain ? " (" + (gain.estimate >= 0 ? "+" : "") + gain.estimate.toFixed(2) + " over counts, 95 % interval " + gain.low.toFixed(2) + " to " + gain.high.toFixed(2) + ")" : ""));
      row("Share of the best possible catch", pct(a.pei));
      row("Recorded backtest", a.windows + " windows, " + a.events + " events, " + (a.settings.from || "").slice(0, 10) + " to " + (a.settings.to || "").slice(0, 10) + ", cells of " + a.settings.cell_size + " m, refit " + a.settings.refit);
    } else {
      row("Measured accuracy", "not measured: " + (a.reason || "no events in the backtest period"));
    }
    if (props.trained_on_events !== undefined) { row("Trained on", props.trained_on_events + " events"); }
    box.appendChild(dl);
    if (a.why) { box.appendChild(text("p", a.why, "hint")); }
  }

  function loadForecast() {
    var w = document.getElementById("window").value;
    document.getElementById("legend").textContent = "Loading the forecast…";
    document.getElementById("places").textContent = "";
    document.getElementById("places").appendChild(text("li", "Loading…"));
    getJSON("/api/v1/forecast?window=" + encodeURIComponent(w)).then(function (fc) {
      var values = fc.features.map(function (f) { return f.properties.expected; }).sort(function (a, b) { return a - b; });
      breaks = values.length ? [0, 0.2, 0.4, 0.6, 0.8].map(function (q) { return values[Math.floor(q * (values.length - 1))]; }) : [];
      if (layers.cells) { map.removeLayer(layers.cells); }
      layers.cells = L.geoJSON(fc, {
        style: function (f) { return { color: "#67000d", weight: 0.5, fillColor: colour(f.properties.expected), fillOpacity: 0.75 }; },
        onEachFeature: function (f, layer) {
          layer.bindTooltip(tip("rank " + f.properties.rank + ": " + f.properties.expected.toFixed(3) + " expected"));
        }
      }).addTo(map);
      unfocusable(layers.cells);
      legend(fc.properties || {});
      places((fc.properties || {}).places);
    }).catch(function (e) { document.getElementById("legend").textContent = "Forecast unavailable: " + e.message; });
  }

  function loadLive() {
    getJSON("/api/v1/map/deployments").then(function (fc) {
      if (layers.live) { map.removeLayer(layers.live); }
      layers.live = L.geoJSON(fc, { style: { color: "#1d4f91", weight: 3, fillOpacity: 0.15, dashArray: "6 4" } }).addTo(map);
      unfocusable(layers.live);
      var list = document.getElementById("live");
      list.textContent = "";
      if (!fc.features.length) { list.appendChild(text("li", "None active or authorised.")); }
      fc.features.forEach(function (f) {
        var p = f.properties, li = document.createElement("li"), a = document.createElement("a");
        a.href = "/deployments/" + encodeURIComponent(p.id); a.textContent = p.id;
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
    layers.boroughs.eachLayer(function (l) { l.bindTooltip(tip(String(l.feature.properties.name)), { sticky: true }); });
    unfocusable(layers.boroughs);
    if (b.features.length) { map.fitBounds(layers.boroughs.getBounds()); }
    loadForecast();
    loadLive();
  });
  map.on("zoomend", function () {
    if (map.getZoom() >= 12 && !layers.wards) {
      getJSON("/api/v1/areas?level=ward").then(function (w) {
        layers.wards = L.geoJSON(w, { style: { color: "#505a5f", weight: 0.7, fill: false }, interactive: false }).addTo(map);
        unfocusable(layers.wards);
      });
    }
  });
  map.on("click", function (e) { showPlace(e.latlng.lat, e.latlng.lng); });
  document.getElementById("window").addEventListener("change", loadForecast);
  setInterval(loadLive, 30000);
})();
