// Counts down to a deployment's start or end, from the server's clock at render time.
(function () {
  "use strict";
  var loaded = Date.now();
  function words(ms) {
    if (ms <= 0) { return "now (reload to see the clock's transition)"; }
    var s = Math.floor(ms / 1000), d = Math.floor(s / 86400), h = Math.floor(s % 86400 / 3600),
      m = Math.floor(s % 3600 / 60), r = s % 60;
    return (d ? d + " d " : "") + h + " h " + m + " min " + r + " s";
  }
  document.querySelectorAll(".countdown").forEach(function (el) {
    var now = Date.parse(el.dataset.now);
    var target = Date.parse(el.dataset.state === "active" ? el.dataset.end : el.dataset.start);
    var label = el.dataset.state === "active" ? "Ends in " : "Starts in ";
    function tick() { el.textContent = label + words(target - now - (Date.now() - loaded)); }
    tick();
    setInterval(tick, 1000);
  });
})();
