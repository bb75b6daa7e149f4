/* Interactive floor plan: pan and zoom, filters, exhibitor search, details,
 * booth selection (picking and organizer editing) and live refresh from the
 * plan-state JSON. The SVG is drawn by the server; this script only adds
 * behaviour, so the page stays usable without it. No dependencies. */
(function () {
  "use strict";

  var root = document.querySelector(".fp");
  if (!root) return;
  var svg = root.querySelector("svg#floorplan");
  var mode = root.dataset.mode || "view";
  var maxSelect = parseInt(root.dataset.max || "0", 10);
  var allowedZones = (root.dataset.zones || "").split(" ").filter(Boolean);
  var strings = JSON.parse(document.getElementById("fp-strings").textContent);
  var details = document.getElementById("booth-details");
  var message = document.getElementById("pick-message");
  var booths = Array.prototype.slice.call(svg.querySelectorAll("g.booth"));
  var byCode = {}, byUpperCode = {};
  booths.forEach(function (g) { byCode[g.dataset.booth] = g; byUpperCode[g.dataset.booth.toUpperCase()] = g; });
  // Typed codes: matched whatever their case, as the server does ("a-01" is A-01), and
  // typed in full width ("Ａ－０１，Ａ－０２", a Korean input method's full-width mode).
  function halfWidth(text) { return text.normalize ? text.normalize("NFKC") : text; }
  function typedCodes(text) { return halfWidth(text).split(/[\s,;]+/).filter(Boolean); }
  function boothOf(code) { return byUpperCode[code.toUpperCase()]; }
  // Codes that name no booth on the plan stay in the field after the plan's selection,
  // so the server says which are unknown instead of "select at least one booth".
  function keepUnknown(codes) {
    var unknown = codes.filter(function (code) { return !boothOf(code); });
    if (!unknown.length) return;
    selectionInputs.forEach(function (input) {
      input.value = (input.value ? input.value + " " : "") + unknown.join(" ");
    });
  }
  var selectionInputs = Array.prototype.slice.call(document.querySelectorAll("input[data-fp-selection]"));
  var countLabel = document.getElementById("selected-count");
  var STATUSES = ["free", "held", "taken", "blocked", "yours"];

  var plurals = new Intl.PluralRules(document.documentElement.lang || undefined);
  function fmt(template, values) {
    return template.replace(/\{(\w+)\}/g, function (_, key) { return values[key]; });
  }

  // ------------------------------------------------------------------ pan and zoom
  var base = svg.viewBox.baseVal;
  var home = { x: base.x, y: base.y, w: base.width, h: base.height };
  var vb = { x: home.x, y: home.y, w: home.w, h: home.h };

  function apply() {
    svg.setAttribute("viewBox", [vb.x, vb.y, vb.w, vb.h].map(function (v) { return v.toFixed(3); }).join(" "));
  }
  function toSvg(clientX, clientY) {
    var ctm = svg.getScreenCTM();
    if (!ctm) return { x: vb.x + vb.w / 2, y: vb.y + vb.h / 2 };
    var pt = svg.createSVGPoint();
    pt.x = clientX; pt.y = clientY;
    return pt.matrixTransform(ctm.inverse());
  }
  function zoom(factor, cx, cy) {
    var w = Math.min(home.w * 1.5, Math.max(home.w / 40, vb.w * factor));
    var f = w / vb.w;
    if (cx === undefined) { cx = vb.x + vb.w / 2; cy = vb.y + vb.h / 2; }
    vb.x = cx - (cx - vb.x) * f;
    vb.y = cy - (cy - vb.y) * f;
    vb.w = w; vb.h = vb.h * f;
    apply();
  }
  // `atTop`: a box lower than the frame is shown at its top (a hall under its name),
  // not centred with an empty band above it.
  function showBox(x, y, w, h, pad, atTop) {
    pad = pad === undefined ? 3 : pad;
    var aspect = svg.clientWidth && svg.clientHeight ? svg.clientWidth / svg.clientHeight : home.w / home.h;
    w += 2 * pad; h += 2 * pad; x -= pad; y -= pad;
    if (w / h > aspect) { var nh = w / aspect; if (!atTop) y -= (nh - h) / 2; h = nh; }
    else { var nw = h * aspect; x -= (nw - w) / 2; w = nw; }
    vb = { x: x, y: y, w: w, h: h };
    apply();
  }
  // A hall's box with the room above it for its name.
  var NAME_ROOM = 3.6;
  function hallBox(hall) {
    var b = hall.dataset.box.split(" ").map(Number);
    return { x: b[0], y: b[1] - NAME_ROOM, w: b[2], h: b[3] + NAME_ROOM };
  }
  // On a phone a booth drawn at the scale of the whole plan, or of a large hall, is a
  // few pixels wide: too small to tap. The plan opens at least this close, showing
  // from the top left of what it opens on; the rest is a drag away, and the zoom
  // buttons and "Whole plan" work as ever.
  var TAPPABLE_PX = 28;
  function tappable(x, y) {
    if (!booths.length || !svg.clientWidth) return;
    var sizes = booths.map(function (g) {
      var r = g.querySelector("rect.b");
      return Math.min(+r.getAttribute("width"), +r.getAttribute("height"));
    }).sort(function (a, b) { return a - b; });
    var typical = sizes[Math.floor(sizes.length / 2)];
    var widest = svg.clientWidth * typical / TAPPABLE_PX;
    if (vb.w <= widest) return;
    vb = { x: x, y: y, w: widest, h: vb.h * widest / vb.w };
    apply();
  }
  function boxOf(gs) {
    var x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
    gs.forEach(function (g) {
      var r = g.querySelector("rect.b");
      var x = +r.getAttribute("x"), y = +r.getAttribute("y");
      x0 = Math.min(x0, x); y0 = Math.min(y0, y);
      x1 = Math.max(x1, x + +r.getAttribute("width")); y1 = Math.max(y1, y + +r.getAttribute("height"));
    });
    return { x: x0, y: y0, w: x1 - x0, h: y1 - y0 };
  }
  function reveal(g) {
    var b = boxOf([g]);
    if (b.x < vb.x || b.y < vb.y || b.x + b.w > vb.x + vb.w || b.y + b.h > vb.y + vb.h) {
      vb.x = b.x + b.w / 2 - vb.w / 2; vb.y = b.y + b.h / 2 - vb.h / 2; apply();
    }
  }

  svg.addEventListener("wheel", function (e) {
    e.preventDefault();
    var p = toSvg(e.clientX, e.clientY);
    zoom(e.deltaY < 0 ? 0.8 : 1.25, p.x, p.y);
  }, { passive: false });

  var pointers = {};
  var dragged = false;
  var start = null;
  var pinch = null;
  svg.addEventListener("pointerdown", function (e) {
    pointers[e.pointerId] = { x: e.clientX, y: e.clientY };
    var ids = Object.keys(pointers);
    if (ids.length === 1) { start = { x: e.clientX, y: e.clientY, vb: { x: vb.x, y: vb.y, w: vb.w, h: vb.h } }; dragged = false; }
    if (ids.length === 2) {
      var a = pointers[ids[0]], b = pointers[ids[1]];
      pinch = { d: Math.hypot(a.x - b.x, a.y - b.y), w: vb.w };
    }
  });
  svg.addEventListener("pointermove", function (e) {
    if (!pointers[e.pointerId]) return;
    pointers[e.pointerId] = { x: e.clientX, y: e.clientY };
    var ids = Object.keys(pointers);
    if (ids.length === 2 && pinch) {
      var a = pointers[ids[0]], b = pointers[ids[1]];
      var d = Math.hypot(a.x - b.x, a.y - b.y);
      if (d > 0) {
        var mid = toSvg((a.x + b.x) / 2, (a.y + b.y) / 2);
        zoom((pinch.w * pinch.d / d) / vb.w, mid.x, mid.y);
      }
      dragged = true;
      return;
    }
    if (!start) return;
    var dx = e.clientX - start.x, dy = e.clientY - start.y;
    if (!dragged && Math.hypot(dx, dy) < 5) return;
    if (!dragged) { dragged = true; try { svg.setPointerCapture(e.pointerId); } catch (err) { /* ignore */ } }
    var rect = svg.getBoundingClientRect();
    var scale = Math.max(start.vb.w / rect.width, start.vb.h / rect.height);
    vb.x = start.vb.x - dx * scale; vb.y = start.vb.y - dy * scale; apply();
  });
  function endPointer(e) {
    delete pointers[e.pointerId];
    var ids = Object.keys(pointers);
    if (ids.length < 2) pinch = null;
    if (ids.length === 1) {
      // The finger left on the glass pans on from where it is now and from the view the
      // pinch left; the point and view of its first touch are long out of date.
      var p = pointers[ids[0]];
      start = { x: p.x, y: p.y, vb: { x: vb.x, y: vb.y, w: vb.w, h: vb.h } };
    }
    if (!ids.length) start = null;
  }
  svg.addEventListener("pointerup", endPointer);
  svg.addEventListener("pointercancel", endPointer);

  function bind(id, fn) { var el = document.getElementById(id); if (el) el.addEventListener("click", fn); }
  bind("zoom-in", function () { zoom(0.7); });
  bind("zoom-out", function () { zoom(1.4); });
  bind("zoom-reset", function () { vb = { x: home.x, y: home.y, w: home.w, h: home.h }; apply(); });

  // ------------------------------------------------------------------ details
  function describe(g) {
    var d = g.dataset;
    var rows = [
      [strings.hall, (strings.halls || {})[d.hall] || d.hall],
      [strings.zone, strings.zones[d.zone] || d.zone],
      [strings.status, strings.statuses[d.status] || d.status]
    ];
    if (d.name) rows.push([strings.exhibitor, d.name]);
    if (d.note) rows.push(["→", d.note]);
    if (d.reason) rows.push([strings.reason, d.reason]);
    if (d.tier && d.tier !== "standard") rows.push([strings.tier, d.tier]);
    var html = document.createElement("div");
    var h = document.createElement("h3");
    h.textContent = d.booth + (d.corner ? " · " + strings.corner : "");
    html.appendChild(h);
    var dl = document.createElement("dl");
    rows.forEach(function (row) {
      var dt = document.createElement("dt"); dt.textContent = row[0];
      var dd = document.createElement("dd"); dd.textContent = row[1];
      dl.appendChild(dt); dl.appendChild(dd);
    });
    html.appendChild(dl);
    details.replaceChildren(html);
  }
  booths.forEach(function (g) {
    g.addEventListener("mouseenter", function () { describe(g); });
    g.addEventListener("focus", function () { describe(g); reveal(g); });
  });

  // ------------------------------------------------------------------ selection
  function selected() {
    return booths.filter(function (g) { return g.classList.contains("selected"); })
      .map(function (g) { return g.dataset.booth; });
  }
  function say(text, ok) {
    if (!message) return;
    message.textContent = text;
    message.className = "pick-message " + (ok ? "ok" : "error");
    placeHoldForm();
  }
  // A message about an earlier tap or hold, cleared once the selection moves on.
  function unsay() {
    if (message && message.textContent) { message.textContent = ""; message.className = "pick-message"; }
  }
  // `refreshing`: the live refresh writes a field only while it still holds what the
  // page last wrote there; codes typed and not yet sent (nor left, which selects them)
  // stay as typed.
  function syncSelection(refreshing) {
    var codes = selected();
    selectionInputs.forEach(function (input) {
      if (refreshing && input.value !== input.dataset.fpWritten) return;
      input.value = codes.join(" ");
      input.dataset.fpWritten = input.value;
    });
    if (countLabel) countLabel.textContent = codes.length ? fmt(strings.selected, { booths: codes.join(", ") }) : strings.nothing;
    placeHoldForm();
    booths.forEach(function (g) {
      if (mode !== "view") g.setAttribute("aria-pressed", g.classList.contains("selected") ? "true" : "false");
    });
  }
  // On a phone the hold form sits a screen above the booths being tapped: while
  // booths are selected, or it has a message to say, and its place is not wholly in
  // view, it rides at the foot of the screen. Half in view was not enough: the
  // message, at the form's top, could be above the screen while its button showed.
  // Its place keeps its height, so the plan does not jump, and the page gains room
  // at its foot, so the bar covers none of its last lines.
  var holdForm = document.getElementById("hold-form");
  var holdSlot = null, holdSlotSeen = true;
  function placeHoldForm() {
    if (!holdSlot) return;
    var saying = !!(message && holdForm.contains(message) && message.textContent.trim());
    var floating = !holdSlotSeen && (selected().length > 0 || saying);
    if (floating && !holdForm.classList.contains("floating")) holdSlot.style.minHeight = holdSlot.offsetHeight + "px";
    holdForm.classList.toggle("floating", floating);
    // Its drawn height and a pixel more: the page's height and its scrolling are whole
    // pixels, its lines are not, and the footer's last fraction stayed under the bar.
    document.body.style.paddingBottom = floating ? Math.ceil(holdForm.getBoundingClientRect().height) + 1 + "px" : "";
  }
  if (holdForm && "IntersectionObserver" in window) {
    holdSlot = document.createElement("div");
    holdForm.parentNode.insertBefore(holdSlot, holdForm);
    holdSlot.appendChild(holdForm);
    new IntersectionObserver(function (entries) {
      holdSlotSeen = entries[entries.length - 1].intersectionRatio >= 0.99;
      placeHoldForm();
    }, { threshold: [0, 0.99] }).observe(holdSlot);
  }
  function pickable(g) {
    if (mode === "edit") return true;
    if (mode !== "pick") return false;
    return g.classList.contains("pickable");
  }
  function activate(g) {
    describe(g);
    if (mode === "view") return;
    if (g.classList.contains("selected")) {
      g.classList.remove("selected");
      unsay();
    } else if (!pickable(g)) {
      say(strings.notPickable, false);
      return;
    } else if (mode === "pick" && maxSelect && selected().length >= maxSelect) {
      say(strings.tooMany, false);
      return;
    } else {
      g.classList.add("selected");
      unsay();
    }
    syncSelection();
  }
  booths.forEach(function (g) {
    g.addEventListener("click", function () {
      if (dragged) { dragged = false; return; }
      activate(g);
    });
  });
  selectionInputs.forEach(function (input) {
    input.addEventListener("change", function () {
      var typed = typedCodes(input.value);
      var wanted = typed.map(function (code) { return boothOf(code); });
      booths.forEach(function (g) { g.classList.toggle("selected", wanted.indexOf(g) >= 0); });
      syncSelection();
      keepUnknown(typed);
    });
  });

  // ------------------------------------------------------------------ keyboard
  function centre(g) {
    var r = g.querySelector("rect.b");
    return { x: +r.getAttribute("x") + +r.getAttribute("width") / 2, y: +r.getAttribute("y") + +r.getAttribute("height") / 2 };
  }
  function nearest(from, dx, dy) {
    var c = centre(from), best = null, bestScore = Infinity;
    booths.forEach(function (g) {
      if (g === from || g.classList.contains("dim")) return;
      var o = centre(g), vx = o.x - c.x, vy = o.y - c.y;
      var along = vx * dx + vy * dy;
      if (along <= 0.01) return;
      var across = Math.abs(vx * dy - vy * dx);
      var score = along + 3 * across;
      if (score < bestScore) { bestScore = score; best = g; }
    });
    return best;
  }
  var KEYS = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] };
  svg.addEventListener("keydown", function (e) {
    var g = e.target.closest ? e.target.closest("g.booth") : null;
    if (e.key === "+" || e.key === "=") { zoom(0.7); e.preventDefault(); return; }
    if (e.key === "-") { zoom(1.4); e.preventDefault(); return; }
    if (!g) return;
    if (e.key === "Enter" || e.key === " " || e.key === "Spacebar") {
      e.preventDefault();
      activate(g);
    } else if (KEYS[e.key]) {
      e.preventDefault();
      var next = nearest(g, KEYS[e.key][0], KEYS[e.key][1]);
      if (next) next.focus();
    }
  });

  // ------------------------------------------------------------------ filters and search
  var zoneFilter = document.getElementById("zone-filter");
  var hallFilter = document.getElementById("hall-filter");
  function filter() {
    var zone = zoneFilter ? zoneFilter.value : "";
    var hall = hallFilter ? hallFilter.value : "";
    booths.forEach(function (g) {
      var off = (zone && g.dataset.zone !== zone) || (hall && g.dataset.hall !== hall);
      g.classList.toggle("dim", !!off);
    });
  }
  if (zoneFilter) zoneFilter.addEventListener("change", filter);
  if (hallFilter) hallFilter.addEventListener("change", function () {
    filter();
    var hall = hallFilter.value;
    if (!hall) { vb = { x: home.x, y: home.y, w: home.w, h: home.h }; apply(); return; }
    var box = hallBox(svg.querySelector('g.hall[data-hall="' + hall + '"]'));
    showBox(box.x, box.y, box.w, box.h, 1, true);
  });
  var search = document.getElementById("exhibitor-search");
  var searchResult = document.getElementById("search-result");
  function hits() { return booths.filter(function (g) { return g.classList.contains("hit"); }); }
  function runSearch() {
    var q = halfWidth(search.value.trim()).toLowerCase();
    booths.forEach(function (g) {
      // Both names of the exhibitor: a Korean name on the English plan is found too.
      var names = halfWidth(g.dataset.names || g.dataset.name || "");
      var match = !!q && (names.toLowerCase().indexOf(q) >= 0 || g.dataset.booth.toLowerCase() === q);
      g.classList.toggle("hit", match);
    });
    if (!q) { searchResult.textContent = ""; return; }
    var n = hits().length;
    searchResult.textContent = n ? fmt(strings.found[plurals.select(n)] || strings.found.other, { num: n }) : strings.none;
  }
  if (search) {
    search.addEventListener("input", runSearch);
    search.addEventListener("keydown", function (e) {
      if (e.key === "Enter") {
        e.preventDefault();
        runSearch();
        var found = hits();
        if (found.length) { var b = boxOf(found); showBox(b.x, b.y, b.w, b.h, 6); }
      }
    });
  }

  // ------------------------------------------------------------------ live refresh
  function label(g) {
    var d = g.dataset, parts = [d.booth, strings.zones[d.zone] || d.zone, strings.statuses[d.status] || d.status];
    if (d.name) parts.push(d.name);
    g.setAttribute("aria-label", parts.join(", "));
  }
  function update(stateDoc) {
    stateDoc.booths.forEach(function (b) {
      var g = byCode[b.code];
      if (!g) return;
      var before = g.dataset.status;
      STATUSES.forEach(function (s) { g.classList.remove("s-" + s); });
      g.classList.add("s-" + b.status);
      g.dataset.status = b.status;
      g.dataset.state = b.state || "";
      g.dataset.name = b.exhibitor ? b.exhibitor.name : "";
      g.dataset.names = b.exhibitor ? b.exhibitor.names || b.exhibitor.name : "";
      g.dataset.exhibitor = b.exhibitor ? b.exhibitor.id : "";
      label(g);
      if (mode === "pick") {
        var zoneOk = !allowedZones.length || allowedZones.indexOf(b.zone) >= 0;
        var can = (b.status === "free" || b.status === "yours") && zoneOk;
        g.classList.toggle("pickable", can);
        if (!can && g.classList.contains("selected")) {
          g.classList.remove("selected");
          // A blocked booth will not come free: "taken" would have the exhibitor wait.
          say(fmt(b.status === "blocked" ? strings.closed : strings.gone, { booth: b.code }), false);
        }
      }
      if (before !== b.status && g === document.activeElement) describe(g);
    });
    syncSelection(true);
  }
  function refresh() {
    if (!window.fetch) return;
    fetch(root.dataset.stateUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (doc) { if (doc) update(doc); })
      .catch(function () { /* offline: keep the plan as drawn */ });
  }
  root.fpRefresh = refresh;
  setInterval(function () { if (!document.hidden) refresh(); }, 30000);
  document.addEventListener("visibilitychange", function () { if (!document.hidden) refresh(); });

  // Countdown of a hold.
  var countdown = document.getElementById("hold-countdown");
  if (countdown && countdown.dataset.expires) {
    // Counted from what the server said was left, not from its expiry time: a phone
    // whose clock is a few minutes off would show a hold running out too early or late.
    var secondsLeft = countdown.dataset.secondsLeft;
    var until = secondsLeft ? Date.now() + Number(secondsLeft) * 1000 : Date.parse(countdown.dataset.expires);
    var running = false;
    var tick = function () {
      var left = Math.max(0, Math.round((until - Date.now()) / 1000));
      countdown.textContent = Math.floor(left / 60) + ":" + ("0" + (left % 60)).slice(-2);
      if (left > 0) running = true;
      else { clearInterval(timer); if (running) window.location.reload(); }
    };
    var timer = setInterval(tick, 1000);
    tick();
  }

  // Picking starts zoomed on the booths one may pick; editing on the selection, if any,
  // or else on the hall of the booths just acted on, where the organizer was working.
  var focusSet = booths.filter(function (g) {
    return mode === "pick" ? g.classList.contains("pickable") : g.classList.contains("selected");
  });
  var actedHalls = [];
  if (!focusSet.length && root.dataset.show) {
    typedCodes(root.dataset.show).map(boothOf).filter(Boolean).forEach(function (g) {
      var hall = svg.querySelector('g.hall[data-hall="' + g.dataset.hall + '"]');
      if (hall && actedHalls.indexOf(hall) < 0) actedHalls.push(hall);
    });
  }
  if (actedHalls.length) {
    // Acted in every hall: the whole plan stays in view.
    if (actedHalls.length < svg.querySelectorAll("g.hall").length) {
      var x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
      actedHalls.forEach(function (hall) {
        var b = hallBox(hall);
        x0 = Math.min(x0, b.x); y0 = Math.min(y0, b.y);
        x1 = Math.max(x1, b.x + b.w); y1 = Math.max(y1, b.y + b.h);
      });
      showBox(x0, y0, x1 - x0, y1 - y0, 1, true);
      if (hallFilter && actedHalls.length === 1) hallFilter.value = actedHalls[0].dataset.hall;
    }
  } else if (focusSet.length && focusSet.length < booths.length) {
    var fb = boxOf(focusSet);
    showBox(fb.x, fb.y, fb.w, fb.h, 4);
    if (svg.clientWidth < 700) {
      tappable(fb.x - 1, fb.y - 1);
      // Opened just off the first booths, the hall's name above them was cut
      // ("all 1") or left out: when the hall's corner is near, the view starts there.
      var topHall = null;
      focusSet.forEach(function (g) {
        var hall = svg.querySelector('g.hall[data-hall="' + g.dataset.hall + '"]');
        if (hall && (!topHall || hallBox(hall).y < hallBox(topHall).y)) topHall = hall;
      });
      if (topHall) {
        var near = 10, tb = hallBox(topHall), cx = tb.x - 0.5, cy = tb.y - 0.5;
        if (cx < vb.x && vb.x - cx < near) vb.x = cx;
        if (cy < vb.y && vb.y - cy < near) vb.y = cy;
        apply();
      }
    }
  } else if (svg.clientWidth < 700) {
    // On a phone the whole site is too small to read: start with the first hall.
    var firstHall = svg.querySelector("g.hall");
    if (firstHall) {
      var hb = hallBox(firstHall);
      if (svg.querySelectorAll("g.hall").length > 1) {
        showBox(hb.x, hb.y, hb.w, hb.h, 1, true);
        if (hallFilter) hallFilter.value = firstHall.dataset.hall;
      }
      tappable(hb.x - 1, hb.y - 1);
    }
  }

  // Start from what the form already holds (e.g. booths pre-selected by the server).
  var initial = selectionInputs.length ? typedCodes(selectionInputs[0].value) : [];
  initial.forEach(function (code) { if (boothOf(code)) boothOf(code).classList.add("selected"); });
  syncSelection();
  keepUnknown(initial);
})();
