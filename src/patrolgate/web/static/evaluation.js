// Fills in evaluation verdicts and the programme's pooled estimate from the JSON routes,
// so pages render at once while an evaluation (seconds, then cached) is computed.
(function () {
  "use strict";
  function percent(x) {
    return (x > 0 ? "+" : x < 0 ? "\u2212" : "") + Math.abs(Math.round(x * 100)) + "%";
  }
  function fill(el, text) { el.textContent = text; el.removeAttribute("aria-busy"); }
  function load(url, el, describe) {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) {
        return r.json().then(function (body) {
          if (!r.ok) { throw new Error(body.detail || body.title || String(r.status)); }
          return body;
        });
      })
      .then(function (body) { fill(el, describe(body)); })
      .catch(function (e) { fill(el, "Evaluation not available: " + e.message); });
  }
  document.querySelectorAll("img[data-hide-on-error]").forEach(function (img) {
    function hide() { img.hidden = true; }
    img.addEventListener("error", hide);
    if (img.complete && img.naturalWidth === 0) { hide(); }
  });
  document.querySelectorAll("[data-evaluation-url]").forEach(function (el) {
    load(el.dataset.evaluationUrl, el, function (r) {
      return "Verdict: " + r.verdict.replace(/-/g, " ") + ". " + r.summary;
    });
  });
  document.querySelectorAll("[data-programme-url]").forEach(function (el) {
    load(el.dataset.programmeUrl, el, function (r) {
      var all = r.pooled.filter(function (p) { return p.profile === "all"; })[0];
      if (!all || all.relative_change === null) {
        return "No pooled estimate yet: " + (all ? all.summary : "no deployment could be pooled.");
      }
      return "Pooled estimate, all profiles (" + all.pooled + " of " + all.deployments +
        " deployments): " + percent(all.relative_change) + " change in events net of controls, " +
        "95% interval " + percent(all.lower) + " to " + percent(all.upper) + ". " + all.summary;
    });
  });
})();
