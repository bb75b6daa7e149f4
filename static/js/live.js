// During the fair organizers keep the overview and the scanning page open: the parts
// marked data-live (check-ins, scans, booths, recent changes) are fetched again every
// 30 seconds while the page is in view, and on coming back to it, and replaced by
// their new copy. The rest of the page (a form being filled in) is left alone.
(function () {
  if (!document.querySelector("[data-live][id]") || !window.fetch || !window.DOMParser) return;
  var EVERY_MS = 30000;
  var running = null;

  function refresh() {
    if (running) return running;
    running = fetch(window.location.href, {
      credentials: "same-origin",
      // Says the page is read for its figures: its flashed messages stay for the
      // next page the organizer opens.
      headers: { Accept: "text/html", "X-Live-Refresh": "1" },
    })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) {
        if (!html) return;
        var fresh = new DOMParser().parseFromString(html, "text/html");
        document.querySelectorAll("[data-live][id]").forEach(function (part) {
          var copy = fresh.getElementById(part.id);
          if (copy && copy.innerHTML !== part.innerHTML) part.innerHTML = copy.innerHTML;
        });
      })
      .catch(function () { /* offline for a moment: the next round tries again */ })
      .then(function () { running = null; });
    return running;
  }

  setInterval(function () { if (!document.hidden) refresh(); }, EVERY_MS);
  document.addEventListener("visibilitychange", function () { if (!document.hidden) refresh(); });
  window.kicxupLive = { refresh: refresh };
})();
