// The KICXUP badge scanner: camera (qr-scanner, native BarcodeDetector where
// present), keyboard-wedge hand scanners and typed entry; answers from the
// server when online, checked locally and queued in IndexedDB when offline.

const root = document.getElementById("scanner");
const cfg = root.dataset;
const pointId = Number(cfg.point);
const lang = cfg.lang === "ko" ? "ko" : "en";
const other = lang === "ko" ? "en" : "ko";
const MESSAGES = JSON.parse(document.getElementById("scanner-messages").textContent);
const UI = JSON.parse(document.getElementById("scanner-ui").textContent);
const offline = await import(cfg.offline);
const { openDB } = await import(cfg.idb);

const $ = (id) => document.getElementById(id);
const els = {
  net: $("net-state"),
  countOk: $("count-ok"),
  countQueue: $("count-queue"),
  result: $("result"),
  status: $("result-status"),
  name: $("result-name"),
  category: $("result-category"),
  message: $("result-message"),
  messageOther: $("result-message-other"),
  form: $("manual"),
  input: $("code-input"),
  cameraToggle: $("camera-toggle"),
  cameraNote: $("camera-note"),
  video: $("camera"),
  recent: $("recent"),
  syncNote: $("sync-note"),
  dayNote: $("day-note"),
  staleNote: $("stale-note"),
  warning: $("upload-warning"),
  warningText: $("upload-warning-text"),
  warningSignIn: $("upload-signin"),
  warningRetry: $("upload-retry"),
};

const { fill } = offline;

// -- storage ------------------------------------------------------------------------------
const db = await openDB("kicxup-scanner", 1, {
  upgrade(database) {
    database.createObjectStore("queue", { keyPath: "nonce" });
    database.createObjectStore("config", { keyPath: "point" });
    database.createObjectStore("seen", { keyPath: "key" });
  },
});

// Queued scans exist nowhere else until uploaded: the browser is asked not to
// clear this site's storage when space runs short.
if (navigator.storage && navigator.storage.persist) navigator.storage.persist().catch(() => null);

let config = null;
let publicKey = null;
// Set when the server refused this device's token (expired or revoked): later
// requests go without it, so that a sign-in (here or in another tab) is used.
let tokenRejected = false;
// Why the queue cannot be uploaded ("auth", "server") or null: this point's scans,
// and those queued at another point (flushStrays).
let uploadProblem = null;
let uploadStatus = 0;
// Queued scans the server has answered since the page opened (see forgetRemovedLeads).
let uploadsAnswered = 0;
// Why the scans queued at each other point (by its id) were last refused:
// { kind, status }. Points can be refused for different reasons at once.
let strayProblems = new Map();

function headers(withToken = true) {
  const h = { "Content-Type": "application/json", Accept: "application/json" };
  if (withToken && cfg.token && !tokenRejected) h[cfg.tokenHeader] = cfg.token;
  return h;
}

function refused(response) {
  if (response.status === 401 && cfg.token && !tokenRejected) tokenRejected = true;
}

// The answer's status and its body read within `timeoutMs`: on weak Wi-Fi the
// headers can arrive and the body stall, which would hold up every later scan.
// `withToken: false` sends the request with the sign-in alone.
async function fetchJSON(url, options = {}, timeoutMs = 6000) {
  const { withToken = true, ...rest } = options;
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  try {
    const response = await fetch(url, {
      credentials: "same-origin",
      ...rest,
      headers: { ...headers(withToken), ...(rest.headers || {}) },
      signal: controller.signal,
    });
    const text = await response.text();
    return {
      ok: response.ok,
      status: response.status,
      header: (name) => response.headers.get(name),
      json: async () => JSON.parse(text),
    };
  } finally {
    clearTimeout(timer);
  }
}

async function useConfig(data, fresh = false) {
  config = data;
  configAsOf = data.server_time;
  showDayNote();
  if (fresh && cfg.companyStaff === "1") capturing(data.scan_point.exhibiting !== false);
  try {
    publicKey = await offline.loadPublicKey(data.public_key, cfg.noble);
  } catch (error) {
    publicKey = null;
  }
}

// The company stopped exhibiting while its staff had the page open: as on a page
// opened after (upload_only), scans are refused here and kept for the audit trail.
// Approved again, it captures leads again. Only a configuration just fetched says
// so: the stored one may be from before either change.
function capturing(exhibits) {
  cfg.uploadOnly = exhibits ? "" : "1";
  const note = $("upload-only");
  if (note) note.hidden = exhibits;
}

// A booth's leads the company removed since this phone captured them: scanned
// again, they are captured afresh, not "already". Kept: what is still waiting to
// go up, and what this phone captured after the server wrote the list. Nothing is
// forgotten once an upload was answered after the list was asked for
// (`answeredBefore`, uploads answered then): the server may have written the list
// before that upload's leads, and the queue no longer holds them.
async function forgetRemovedLeads(data, answeredBefore) {
  if (!Array.isArray(data.lead_badges)) return;
  const leads = new Set(data.lead_badges);
  const listedAt = Date.parse(data.server_time);
  const queued = new Set(
    (await db.getAll("queue")).map((item) => offline.parseCode(item.code).badgeId)
  );
  const prefix = `lead|${data.event.id}|${data.scan_point.organization_id}|`;
  for (const entry of await db.getAll("seen")) {
    if (uploadsAnswered !== answeredBefore) return;
    if (!entry.key.startsWith(prefix)) continue;
    const badge = Number(entry.key.slice(prefix.length));
    if (leads.has(badge) || queued.has(badge) || !(Date.parse(entry.at) < listedAt)) continue;
    await db.delete("seen", entry.key);
  }
}

// What the phone let in on past days judges nothing now (a check-in is per fair day)
// and would pile up day after day: forgotten when the page starts. Yesterday is
// kept, in case this clock runs a day ahead and no server has said so yet, and so is
// an entry a queued scan still names (a refused upload takes it back).
async function forgetPastDays() {
  const moment = judgingTime(scannerNow().getTime());
  const yesterday = offline.localDay(moment - 86400000, eventTimeZone());
  const named = new Set((await db.getAll("queue")).map((item) => item.seen_key));
  for (const key of await db.getAllKeys("seen")) {
    const day = offline.seenKeyDay(key);
    if (day !== null && day < yesterday && !named.has(key)) await db.delete("seen", key);
  }
  for (const key of Object.keys(localStorage)) {
    if (key.startsWith("kicxup-count|") && key.split("|").pop() < yesterday) localStorage.removeItem(key);
  }
}

async function useStoredConfig() {
  const stored = await db.get("config", pointId);
  if (stored && !config) await useConfig(stored.data);
}

async function loadConfig() {
  // The organizer may have given this device more hours since the server refused its
  // token: the configuration asks with it again (refused once more, it is set aside
  // again).
  if (tokenRejected && cfg.token) tokenRejected = false;
  try {
    const sentAt = Date.now();
    const answeredBefore = uploadsAnswered;
    // Unchanged since the copy in use, the server sends only its time.
    const held = config ? await db.get("config", pointId) : null;
    const conditional = held && held.etag ? { "If-None-Match": held.etag } : {};
    const response = await fetchJSON(
      cfg.configUrl,
      { method: "GET", cache: "no-store", headers: conditional },
      15000
    );
    const unchanged = response.status === 304 && held;
    if (unchanged || response.ok) {
      // Unchanged: the copy held, as of the server's time now (its list of leads
      // then no longer holds one this phone captured and the company removed since).
      const data = unchanged
        ? { ...held.data, server_time: response.header("X-Server-Time") }
        : await response.json();
      learnClock(data.server_time, sentAt, Date.now());
      setOnline(true);
      const etag = unchanged ? held.etag : response.header("ETag");
      await db.put("config", { point: pointId, data, fetched: Date.now(), etag });
      if (!unchanged) await useConfig(data, true);
      configAsOf = data.server_time;
      showStaleNote();
      await forgetRemovedLeads(data, answeredBefore).catch(() => null);
      return;
    }
    if (response.status === 401 || response.status === 403) {
      // Said in the sync note, not as a result: the panel shows the last badge's
      // answer, and a red buzz with nobody scanned would turn the next person away.
      refused(response);
      els.syncNote.textContent = UI.notAuthorized;
    }
  } catch (error) {
    /* offline: the stored copy stays in use */
  }
}

// -- display ------------------------------------------------------------------------------
const CLASSES = {
  ok: "result-ok",
  already_checked_in: "result-already",
  // Offline without the event's key: nothing was checked. Never orange, which
  // would tell the gate the badge is genuine and merely seen before.
  unverified: "result-unverified",
};

// The fair's time zone: the synced config's, else the page's.
function eventTimeZone() {
  return (config && config.event.timezone) || cfg.timezone;
}

function todayKey() {
  const day = offline.localDay(judgingTime(scannerNow().getTime()), eventTimeZone());
  return `kicxup-count|${pointId}|${day}`;
}

// -- clock --------------------------------------------------------------------------------
// A scan carries the time its code was read, and the server dates the entry, the
// fair day and the meeting slot by it, offline scans included. A tablet's own clock
// may be off by minutes or days (set by hand, never synced): its time is corrected
// by what the server said its time was, measured at each answer and kept for
// offline use. Below a minute the measurement's own error (half a slow round trip)
// would matter more than the clock's.
const CLOCK_KEY = "kicxup-clock-offset";
const CLOCK_TOLERANCE_MS = 60000;
let clockOffset = Number(localStorage.getItem(CLOCK_KEY)) || 0;

// A scan's time is the wall clock's reading (`wall_at`) plus the clock's error,
// which stays the same while the clock runs on, asleep too: a stretch. Once the
// page learns a stretch's error, from the server or from the clock set right, its
// queued scans are dated by it as they go up (sent with the clock's own reading,
// they count from `not_before` once the clock is right again, the day before
// maybe; or the learned correction hides the error from the upload's `sent_at`).
//
// The page watches the wall clock against its monotonic one (which stands still
// while the tablet sleeps) at each scan and as it hides and wakes:
// - a step while the page stayed in view, from behind the last server time to not
//   behind: the clock set right, by the stretch's error;
// - a step by about the learned correction (an hour or more): set right too;
//   below an hour a sleep that long is common, and a correction kept by mistake
//   costs minutes, not the fair day;
// - a step from behind to not behind while the page was hidden: a night asleep, or
//   the clock set right meanwhile, or both; a new stretch, whose error is not known;
// - a step back: a new stretch; a step forward otherwise: time went on (a sleep).
const CLOCK_SET_RIGHT_MIN_MS = 3600000;
const STRETCHES_KEY = "kicxup-clock-stretches";
const pageSession = newNonce();
let wallOrigin = Date.now() - performance.now();
let hiddenSinceLook = document.visibilityState !== "visible";
let clockStretch = 0;

// Read afresh each time: the pages of other scan points on this device learn too.
function readStretchErrors() {
  try {
    return JSON.parse(localStorage.getItem(STRETCHES_KEY)) || {};
  } catch (error) {
    return {};
  }
}

function clockStretchId() {
  return `${pageSession}:${clockStretch}`;
}

function learnStretchError(stretch, error) {
  // The newest few: a queue rarely spans more stretches than that.
  const kept = Object.entries(readStretchErrors()).filter(([id]) => id !== stretch).slice(-19);
  localStorage.setItem(STRETCHES_KEY, JSON.stringify(Object.fromEntries([...kept, [stretch, error]])));
}

function noticeClockSteps() {
  const origin = Date.now() - performance.now();
  const step = origin - wallOrigin;
  const hidden = hiddenSinceLook;
  wallOrigin = origin;
  hiddenSinceLook = document.visibilityState !== "visible";
  if (Math.abs(step) < CLOCK_TOLERANCE_MS) return;
  const wasBehind = behind(Date.now() - step);
  if (Math.abs(step) >= CLOCK_SET_RIGHT_MIN_MS && Math.abs(clockOffset - step) < CLOCK_TOLERANCE_MS) {
    setClockOffset(0);
    clockStretch += 1;
  } else if (wasBehind && !behind(Date.now())) {
    if (!hidden) {
      const stretch = clockStretchId();
      if (!(stretch in readStretchErrors())) learnStretchError(stretch, step);
      setClockOffset(0);
    }
    clockStretch += 1;
  } else if (step < 0) {
    clockStretch += 1;
  }
}

// A queued scan as it goes up: dated by its stretch's error where that is known.
function datedForUpload(item, errors) {
  const error = errors[item.clock_stretch];
  if (error === undefined || !Number.isFinite(item.wall_at)) return item;
  // Within the measurements' error of the bounds the scan can have been made.
  const floor = item.not_before ? Date.parse(item.not_before) : -Infinity;
  const moment = item.wall_at + error;
  if (moment < floor - CLOCK_TOLERANCE_MS || moment > Date.now() + clockOffset + CLOCK_TOLERANCE_MS) {
    return item;
  }
  return { ...item, scanned_at: new Date(Math.max(moment, floor)).toISOString(), not_before: undefined };
}

function setClockOffset(offset) {
  clockOffset = offset;
  localStorage.setItem(CLOCK_KEY, String(offset));
  root.dataset.clockOffset = String(offset);
}

function scannerNow() {
  noticeClockSteps();
  return new Date(Date.now() + clockOffset);
}

// An answer that took long (a request left hanging while the tablet slept) says
// little about when the server read its clock.
const CLOCK_MAX_ROUND_TRIP_MS = 5000;

// The latest time the server gave. Time does not go back: a clock found behind it
// was reset (a flat battery) since the offset was measured.
const LAST_SERVER_KEY = "kicxup-clock-last-server";
let lastServerMs = Number(localStorage.getItem(LAST_SERVER_KEY)) || 0;

function clockWentBack() {
  noticeClockSteps();
  return behind(Date.now());
}

function behind(wallMs) {
  return wallMs + clockOffset < lastServerMs - CLOCK_TOLERANCE_MS;
}

// The moment that decides an offline answer's fair day. With a clock that went back
// the gate would turn genuine visitors away ("not valid today"); the last time the
// server gave is nearer the truth. The scan itself keeps the clock's time, which the
// upload corrects (see the batch's sent_at).
function judgingTime(scannedMs) {
  if (scannedMs >= lastServerMs - CLOCK_TOLERANCE_MS) return new Date(Math.max(scannedMs, lastServerMs));
  return new Date(firstOpenFrom(lastServerMs));
}

// A time known only to be `ms` or later, on a day the point does not admit on: the
// start of its next open day. Staff scan at a gate on its days, not on the evening
// it last heard the server (set up the day before); the server dates the upload so.
function firstOpenFrom(ms) {
  const point = config && config.scan_point;
  if (!point || !point.active) return ms;
  const zone = eventTimeZone();
  const day = offline.localDay(new Date(ms), zone);
  if (point.valid_days.includes(day)) return ms;
  const next = [...point.valid_days].sort().find((open) => open > day);
  return next ? dayStart(next, zone) : ms;
}

// The first minute of `day` (YYYY-MM-DD) in the time zone.
function dayStart(day, timeZone) {
  const minute = 60000;
  let low = Date.parse(`${day}T00:00:00Z`) - 15 * 3600000; // the day before everywhere
  let high = low + 30 * 3600000; // the day everywhere
  while (high - low > minute) {
    const middle = low + Math.floor((high - low) / 2 / minute) * minute;
    if (offline.localDay(new Date(middle), timeZone) < day) low = middle;
    else high = middle;
  }
  return high;
}

function learnClock(serverTime, sentAt, answeredAt) {
  const server = Date.parse(serverTime || "");
  if (!Number.isFinite(server) || answeredAt - sentAt > CLOCK_MAX_ROUND_TRIP_MS) return;
  // A step not seen yet is judged by the last server time it came after.
  noticeClockSteps();
  if (server > lastServerMs) {
    lastServerMs = server;
    localStorage.setItem(LAST_SERVER_KEY, String(server));
  }
  const measured = server - (sentAt + answeredAt) / 2;
  const offset = Math.abs(measured) < CLOCK_TOLERANCE_MS ? 0 : Math.round(measured);
  setClockOffset(offset);
  // A stretch's error does not change: another one means the clock was changed in a
  // step the page took for time going on (the date set right by hand, say).
  const known = readStretchErrors()[clockStretchId()];
  if (known !== undefined && Math.abs(known - offset) >= CLOCK_TOLERANCE_MS) clockStretch += 1;
  learnStretchError(clockStretchId(), offset);
}

function refreshCount() {
  els.countOk.textContent = localStorage.getItem(todayKey()) || "0";
  showDayNote();
  showStaleNote();
}

// Offline answers go by the revocation list as the server sent it: a badge revoked
// since (reported stolen, say) passes here. The configuration is asked for every two
// minutes, so one older than this means the device has been cut off a while, and
// the gate must know its "OK" may be wrong.
const STALE_DATA_MS = 10 * 60000;
let configAsOf = null;

function showStaleNote() {
  if (!els.staleNote) return;
  const asOf = Date.parse(configAsOf || "");
  const stale = Boolean(config) && Number.isFinite(asOf) && judgingTime(scannerNow().getTime()) - asOf > STALE_DATA_MS;
  els.staleNote.hidden = !stale;
  if (stale) els.staleNote.textContent = fill(UI.staleData, { time: offline.localStamp(new Date(asOf), eventTimeZone()) });
}

// Staff at a point that admits nobody today (another day's gate, the day before the
// fair, a closed point) see it before the first visitor is turned away.
function showDayNote() {
  if (!config || !els.dayNote) return;
  const point = config.scan_point;
  const day = offline.localDay(judgingTime(scannerNow().getTime()), eventTimeZone());
  const open = point.active && point.valid_days.includes(day);
  els.dayNote.hidden = open;
  if (open) return;
  els.dayNote.textContent = point.active
    ? fill(UI.notToday, { day, days: point.valid_days.join(", ") || "—" })
    : UI.pointClosedNote;
}

function bumpCount() {
  localStorage.setItem(todayKey(), String(Number(localStorage.getItem(todayKey()) || 0) + 1));
  refreshCount();
}

const SOUNDS = { ok: "ok", already_checked_in: "already", unverified: "check" };
let audio = null;
function beep(kind) {
  root.dataset.sound = kind;
  try {
    audio = audio || new (window.AudioContext || window.webkitAudioContext)();
    const tones = {
      ok: [[1046, 0.12]],
      already: [[660, 0.1], [660, 0.1]],
      // Rising: look at the screen and check the ID. Not the buzz, which staff who
      // go by ear read as "turn away" (the badge may well be genuine).
      check: [[523, 0.1], [784, 0.16]],
      bad: [[220, 0.45]],
    }[kind];
    let at = audio.currentTime;
    for (const [frequency, length] of tones) {
      const osc = audio.createOscillator();
      const gain = audio.createGain();
      osc.type = kind === "bad" ? "square" : "sine";
      osc.frequency.value = frequency;
      gain.gain.setValueAtTime(0.2, at);
      gain.gain.exponentialRampToValueAtTime(0.001, at + length);
      osc.connect(gain).connect(audio.destination);
      osc.start(at);
      osc.stop(at + length);
      at += length + 0.07;
    }
  } catch (error) {
    /* no sound on this device */
  }
  if (navigator.vibrate) {
    navigator.vibrate({ ok: [80], already: [80, 60, 80], check: [80, 60, 200], bad: [400] }[kind]);
  }
}

// `readAt`: when the code was read; a scan waiting behind a slow one is listed at
// that time, not at its answer's.
function show(answer, note = "", readAt = null) {
  const status = answer.status;
  refreshCount(); // the day's count starts again at midnight, whatever the answer
  els.result.className = `result ${CLASSES[status] || "result-bad"}`;
  els.result.dataset.status = status;
  els.status.textContent = (UI.statuses[status] || status) + (note ? ` — ${note}` : "");
  const badge = answer.badge;
  els.name.textContent = badge ? badge[`name_${lang}`] || badge.name || "" : "";
  els.category.textContent = badge
    ? [badge[`category_label_${lang}`], badge[`organization_${lang}`]].filter(Boolean).join(" · ")
    : "";
  els.message.textContent = answer[`message_${lang}`] || "";
  els.messageOther.textContent = answer[`message_${other}`] || "";
  beep(SOUNDS[status] || "bad");
  if (status === "ok") bumpCount();
  const who = els.name.textContent || answer[`message_${lang}`] || "";
  const at = readAt ? new Date(readAt) : scannerNow();
  addRecent(status, `${fairTime(at)} · ${UI.statuses[status] || status} · ${who}`, note);
}

// The fair's clock, as on the badges and agendas, not the phone's time zone.
function fairTime(moment) {
  if (Number.isNaN(moment.getTime())) return "";
  return moment.toLocaleTimeString(lang === "ko" ? "ko-KR" : "en-GB", { timeZone: eventTimeZone() });
}

function addRecent(status, text, note) {
  const item = document.createElement("li");
  item.className = `recent-${CLASSES[status] ? status : "bad"}`;
  item.textContent = text + (note ? ` (${note})` : "");
  els.recent.prepend(item);
  while (els.recent.children.length > 12) els.recent.lastChild.remove();
  return item;
}

// Whether an uploaded scan's answer differs from the device's own (then listed). A
// lead the company removed since the scan was "saved" on the phone, and is not now.
function answeredOtherwise(item, result) {
  if (result.status === item.local_status && result.reason !== "lead_removed") return false;
  listChanged(result);
  return true;
}

// An uploaded scan the server answered otherwise than this device did (a badge revoked
// meanwhile, admitted at another gate first): listed with the scan's own time, so the
// staff know whom it concerns.
function listChanged(result) {
  const status = result.status;
  const name = result.badge ? result.badge[`name_${lang}`] || "" : "";
  const when = fairTime(new Date(result.scanned_at));
  const parts = [when, UI.statuses[status] || status, name, result[`message_${lang}`] || ""];
  addRecent(status, parts.filter(Boolean).join(" · "), UI.changedOnUpload).dataset.changed = "1";
}

function showError(text) {
  show({ status: "error", [`message_${lang}`]: text, [`message_${other}`]: "" });
}

// Whether the server answered the last request. Wi-Fi can stay connected while
// the venue's link behind it is down: the browser then says "online" and each live
// scan would wait its full timeout before being judged here. After one that got no
// answer, scans are judged here and queued at once, while a light request asks
// every few seconds whether the server answers again.
let reachable = true;
let probe = null;
const PROBE_MS = 3000;

function probeSoon() {
  if (probe) return;
  probe = setTimeout(async () => {
    probe = null;
    if (reachable) return;
    try {
      // Any answer, even an error's, means the server can be reached.
      await fetchJSON(cfg.probeUrl, { method: "GET", withToken: false }, 4000);
      setOnline(true);
      flushQueue();
    } catch (error) {
      probeSoon();
    }
  }, PROBE_MS);
}

function setOnline(isOnline) {
  reachable = isOnline;
  if (!isOnline) probeSoon();
  els.net.textContent = isOnline ? UI.online : UI.offline;
  els.net.className = `badge-pill ${isOnline ? "pill-ok" : "pill-bad"}`;
  root.dataset.online = isOnline ? "1" : "0";
}

// A warning that stays on screen while queued scans cannot be uploaded: how many,
// why, and what the operator can do about it. This point's scans and those queued
// at another point can be held up for different reasons: each is said.
const WARNING_TEXT = { auth: "uploadRefused", server: "uploadFailed", forbidden: "strayForbidden" };

function refreshWarning(queued) {
  const own = queued.filter((q) => q.scan_point === pointId).length;
  const problems = [];
  if (uploadProblem && own) problems.push({ kind: uploadProblem, count: own, status: uploadStatus });
  for (const item of queued) {
    const problem = item.scan_point !== pointId && strayProblems.get(item.scan_point);
    if (!problem) continue;
    // The server's trouble is told with its status; a refusal by who is asking.
    const same = problems.find(
      (p) => p.kind === problem.kind && (p.kind !== "server" || p.status === problem.status)
    );
    if (same) same.count += 1;
    else problems.push({ ...problem, count: 1 });
  }
  if (!problems.length) {
    els.warning.hidden = true;
    root.dataset.uploadProblem = "";
    return;
  }
  els.warningText.textContent = problems
    .map(({ kind, count, status }) => fill(UI[WARNING_TEXT[kind]], { count, status }))
    .join(" ");
  // Signing in again helps a refused sign-in or device, not a person who may not
  // scan at the other point (the text says who can upload those).
  els.warningSignIn.hidden = !problems.some(({ kind }) => kind === "auth");
  els.warning.hidden = false;
  root.dataset.uploadProblem = problems.map(({ kind }) => kind).join(" ");
}

// The count is every scan waiting on this device: this page uploads those queued at
// another scan point too (flushStrays), and a phone moved from a revoked point must
// not hide them. Count and warning come from one look at the queue, shown together:
// the count at 0 with a warning about a scan still waiting would contradict itself.
async function refreshQueueCount() {
  const queued = await db.getAll("queue");
  els.countQueue.textContent = String(queued.length);
  refreshWarning(queued);
}

// -- scanning -----------------------------------------------------------------------------
// The order scans were queued in: the order they were made. Their times may not tell
// it (a clock that went back), and the server lets an earlier scan take a check-in
// over only when it knows it was earlier.
const QUEUED_KEY = "kicxup-queued";

function nextQueued() {
  const next = (Number(localStorage.getItem(QUEUED_KEY)) || 0) + 1;
  localStorage.setItem(QUEUED_KEY, String(next));
  return next;
}

function newNonce() {
  if (crypto.randomUUID) return crypto.randomUUID();
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) =>
    b.toString(16).padStart(2, "0")
  ).join("");
}

async function seen(key) {
  return (await db.get("seen", key)) || null;
}

// Where this point's own admissions took place, as the server names it.
function here() {
  return { place_ko: config.scan_point.name_ko, place_en: config.scan_point.name_en };
}

// A badge the server admitted here (ok), or had admitted before (already checked in),
// is remembered like one admitted offline: scanned again once the network is gone,
// the offline check answers "already". The key comes from the answer's fair day and
// badge; the time is the first admission's, the earliest the device knows of.
function earliestOf(a, b) {
  if (!a || !b) return a || b;
  return Date.parse(b) < Date.parse(a) ? b : a;
}

async function remember(answer) {
  if (!config || !answer || !answer.badge || !answer.day) return;
  if (answer.status !== "ok" && answer.status !== "already_checked_in") return;
  if (answer.scan_point_id !== undefined && answer.scan_point_id !== pointId) return;
  const key = offline.seenKeyOf(config, answer.day, answer.badge.id);
  const first = answer.status === "already_checked_in" ? answer.first : null;
  // An admission is dated no later than the server received it (a clock running ahead).
  const at = first ? first.at : earliestOf(answer.scanned_at, answer.received_at);
  if (!key || !at) return;
  const earlier = await db.get("seen", key);
  if (earlier && !(Date.parse(at) < Date.parse(earlier.at))) return;
  const place = first ? { place_ko: first.scan_point_ko, place_en: first.scan_point_en } : here();
  await db.put("seen", { key, at, ...place });
}

// The server says "ok" to a badge this device admitted a moment ago while the
// network failed: that scan is still queued, so the server has not seen it. The
// device's own judgement ("already", with its time) is the one for the gate.
// Only then: the seen store also holds what the server answered before, and a
// lead removed since is rightly captured afresh. At an entrance the admission may
// also have gone up while this scan was on its way (the server took this one
// first): the seen store marks what this device let in on its own.
async function admittedOnDevice(item) {
  if (!config || !publicKey) return null;
  const badgeOf = (code) => offline.parseCode(code).badgeId;
  const badge = badgeOf(item.code);
  if (typeof badge !== "number") return null;
  const local = await judgeOffline(item).catch(() => null);
  if (!local || local.status !== "already_checked_in") return null;
  const queued = await db.getAll("queue");
  if (queued.some((q) => q.local_status === "ok" && badgeOf(q.code) === badge)) return local;
  const uploadedMeanwhile =
    config.scan_point.kind === "entrance" &&
    local.firstOnDevice &&
    Date.parse(local.first.at) < Date.parse(item.scanned_at);
  return uploadedMeanwhile ? local : null;
}

// The server found the badge revoked or reprinted after the list in use was synced:
// scanned again once the network is gone, it must not pass here. A replayed answer
// is as of its first upload, and the badge may have been reprinted since.
async function learnRevocation(item, answer) {
  if (!config || answer.replayed || answer.status !== "revoked") return;
  const parsed = offline.parseCode(item.code);
  if (parsed.error || parsed.eventId !== config.event.id) return;
  const id = String(parsed.badgeId);
  const learn = (revocation) => {
    if (answer.reason === "revoked") {
      if (!revocation.revoked.includes(parsed.badgeId)) revocation.revoked.push(parsed.badgeId);
    } else if (answer.reason === "superseded" && !(revocation.min_issue[id] > parsed.issue)) {
      // The current issue is unknown here, only that it is later than this one.
      revocation.min_issue[id] = parsed.issue + 1;
    }
  };
  learn(config.revocation);
  const held = await db.get("config", pointId);
  if (!held) return;
  learn(held.data.revocation);
  await db.put("config", held);
}

// A queued scan the server answered: off the queue. Counted first: a list of leads
// read meanwhile must see it (forgetRemovedLeads).
async function settle(item, result) {
  uploadsAnswered += 1;
  await db.delete("queue", item.nonce);
  await forgetRefusedAdmission(item, result).catch(() => null);
}

// A scan this device let in on its own that the server then refused (the badge was
// revoked meanwhile, say): the device no longer counts it as an admission.
async function forgetRefusedAdmission(item, result) {
  if (item.local_status !== "ok" || !item.seen_key) return;
  if (result.status === "ok" || result.status === "already_checked_in") return;
  const entry = await db.get("seen", item.seen_key);
  if (entry && entry.onDevice && entry.at === item.scanned_at) await db.delete("seen", item.seen_key);
}

async function judgeOffline(item) {
  if (!config || !publicKey) {
    return {
      status: "unverified",
      reason: "unverified",
      message_ko: MESSAGES.no_scanner_data.ko,
      message_en: MESSAGES.no_scanner_data.en,
      badge: null,
    };
  }
  // The server's page said the company no longer exhibits: so it is, even while the
  // configuration in use is a stored one from before (a fresh one may be slow to come).
  const judged =
    cfg.uploadOnly === "1" && config.scan_point.exhibiting !== false
      ? { ...config, scan_point: { ...config.scan_point, exhibiting: false } }
      : config;
  return offline.judge({
    text: item.code,
    config: judged,
    key: publicKey,
    when: judgingTime(Date.parse(item.scanned_at)),
    messages: MESSAGES,
    seen,
    // A company's end applies to its set-up devices, and to its staff signed in
    // (the page opens for them only to upload; organizers may scan on).
    asDevice: (Boolean(cfg.token) && !tokenRejected) || cfg.uploadOnly === "1" || cfg.companyStaff === "1",
  });
}

let busy = Promise.resolve();

function handle(text) {
  // The scan's time is when the code was read, not when its turn comes: on a slow
  // network the scans before it may take seconds each.
  noticeClockSteps();
  const wallAt = Date.now();
  const scannedAt = new Date(wallAt + clockOffset).toISOString();
  // With a clock that went back the scan's time is wrong, and the clock may be set
  // right before the upload (automatic time, once online): the upload also says the
  // scan came after the last time the server gave.
  const notBefore = clockWentBack() ? new Date(lastServerMs).toISOString() : undefined;
  const stamp = { wall_at: wallAt, clock_stretch: clockStretchId() };
  // One scan at a time, in the order they came.
  busy = busy
    .then(() => process(text, scannedAt, notBefore, stamp))
    .catch((error) => showError(String(error)));
  return busy;
}

// Judged on this device and queued for upload: offline, or while the server refuses
// this scanner (the gate still gets the answer its synced data gives). `syncNote`
// says why, unless the device had no data to judge with.
async function keepForUpload(item, note, syncNote) {
  const local = await judgeOffline(item);
  // Queued first: a scan that could not be kept (storage full) must not be
  // remembered as admitted, or the visitor's next try would say "already".
  // With the device's token: should the device be set up for another scan point
  // before the scan goes up, this point's page no longer opens on it (flushStrays).
  // Not with a token the server refused: it goes up with the sign-in.
  const token = cfg.token && !tokenRejected ? cfg.token : null;
  await db.put("queue", {
    ...item,
    token,
    queued: nextQueued(),
    local_status: local.status,
    seen_key: local.status === "ok" ? local.seenKey : undefined,
  });
  if (local.status === "ok" && local.seenKey) {
    await db.put("seen", { key: local.seenKey, at: item.scanned_at, onDevice: true, ...here() });
  }
  await refreshQueueCount();
  show(local, note, item.scanned_at);
  els.syncNote.textContent =
    local.reason === "unverified" ? UI.unverified : clockWentBack() ? UI.clockWentBack : syncNote;
}

// The server decodes codes of up to 2,000 characters (a badge's has 122). Longer text
// (a paste, a hand scanner gone wild) is cut just past that: the server still judges
// it no badge code, as this page does offline, and a queue of such scans stays small
// enough to upload.
const LONGEST_CODE = 2001;

async function process(text, scannedAt, notBefore, stamp) {
  const code = offline.cleanCode(offline.fromHangulKeys(text)).slice(0, LONGEST_CODE);
  if (!code) return;
  const item = { nonce: newNonce(), code, scan_point: pointId, scanned_at: scannedAt, ...stamp };
  if (notBefore) item.not_before = notBefore;
  if (cfg.uploadOnly === "1") {
    // The company no longer exhibits: the scan is refused here, and kept for the
    // audit trail (the server would refuse it live).
    await keepForUpload(item, "", "");
    return;
  }
  if (navigator.onLine !== false && reachable) {
    try {
      const sentAt = Date.now();
      // A live scan with a clock that went back: the server's own time is the
      // right one, not the clock's.
      const live = { ...item, not_before: undefined, wall_at: undefined, clock_stretch: undefined };
      if (notBefore) live.scanned_at = undefined;
      const response = await fetchJSON(cfg.scanUrl, { method: "POST", body: JSON.stringify(live) });
      if (response.ok) {
        const answer = await response.json();
        if (!answer.replayed) learnClock(answer.received_at, sentAt, Date.now());
        // The server answers again: what it failed to take meanwhile goes up now,
        // not at the next round, and the warning goes with it.
        if (uploadProblem === "server") flushQueue();
        setOnline(true);
        const earlier = answer.status === "ok" ? await admittedOnDevice(item) : null;
        if (earlier) show(earlier, UI.admittedEarlier, item.scanned_at);
        else show(answer, "", item.scanned_at);
        await remember(answer).catch(() => null);
        await learnRevocation(item, answer).catch(() => null);
        return;
      }
      if (response.status === 403 && cfg.companyStaff === "1") {
        // Refused to the company's staff: has the company stopped exhibiting?
        await loadConfig();
        if (cfg.uploadOnly === "1") {
          await keepForUpload(item, "", "");
          return;
        }
      }
      if (response.status === 401 || response.status === 403) {
        // Keep the scan: it is uploaded once this scanner may scan here again. The
        // warning above says why and what to do.
        refused(response);
        uploadProblem = "auth";
        uploadStatus = response.status;
        await keepForUpload(item, UI.notUploaded, UI.notAuthorized);
        return;
      }
      const body = response.status < 500 ? await response.json().catch(() => ({})) : {};
      if (body.message_ko && body.message_en) {
        show({ status: "error", message_ko: body.message_ko, message_en: body.message_en });
        return;
      }
      if (typeof body.error === "string") {
        // The app's own refusal of the request (its JSON error): sending it again
        // would be refused again.
        showError(fill(UI.serverError, { error: body.message || response.status }));
        return;
      }
      // Reachable but failing (a deploy, an overloaded database), or a proxy on the
      // way answering for the app (408, 429): the network is fine, so say so; the
      // gate gets this device's own answer and the scan waits for upload like an
      // offline one.
      setOnline(true);
      uploadProblem = "server";
      uploadStatus = response.status;
      await keepForUpload(item, UI.notUploaded, fill(UI.savedServerTrouble, { status: response.status }));
      return;
    } catch (error) {
      /* network down or timed out: keep the scan */
    }
  }
  setOnline(false);
  await keepForUpload(item, UI.offline, UI.savedOffline);
}

const UPLOAD_BATCH = 100;

// Oldest first, so the server sees the scans in the order they happened.
function inQueueOrder(a, b) {
  return (a.queued || 0) - (b.queued || 0) || (a.scanned_at < b.scanned_at ? -1 : 1);
}

function batchBody(point, items) {
  const errors = readStretchErrors();
  return JSON.stringify({
    scan_point: point,
    // By the same clock as the scans: the server corrects them by its error.
    sent_at: scannerNow().toISOString(),
    scans: items.map((item) => {
      const { code, nonce, scanned_at, not_before } = datedForUpload(item, errors);
      return { code, nonce, scanned_at, not_before };
    }),
  });
}

// Scans a device queued at another scan point: before it was set up for this one
// (that point's page no longer opens on it), or by a person signed in who has gone
// on to this point. They go up from here, each with the token it was scanned under,
// or with the sign-in where it had none or it is no longer valid (the point's device
// was revoked, then someone signed in here). Refused both ways, they stay queued and
// the warning counts them.
async function flushStrays() {
  let uploaded = 0;
  let changed = 0;
  const problems = new Map();
  const groups = new Map();
  const strays = (await db.getAll("queue")).filter((q) => q.scan_point !== pointId);
  for (const item of strays.sort(inQueueOrder)) {
    const key = `${item.scan_point} ${item.token || ""}`;
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push(item);
  }
  for (const items of groups.values()) {
    for (let start = 0; start < items.length; start += UPLOAD_BATCH) {
      const batch = items.slice(start, start + UPLOAD_BATCH);
      const send = (token) => {
        noticeClockSteps();
        return fetchJSON(
          cfg.batchUrl,
          {
            method: "POST",
            withToken: false,
            headers: token ? { [cfg.tokenHeader]: token } : {},
            body: batchBody(batch[0].scan_point, batch),
          },
          20000
        );
      };
      let response = await send(batch[0].token);
      if (response.status === 401 && batch[0].token) response = await send(null);
      if (!response.ok) {
        // 403: signed in here, but not as someone who may scan at that point.
        const kinds = { 401: "auth", 403: "forbidden" };
        const kind = kinds[response.status] || "server";
        problems.set(batch[0].scan_point, { kind, status: response.status });
        break;
      }
      const { results } = await response.json();
      for (let i = 0; i < batch.length; i++) {
        if (!results[i]) continue;
        await settle(batch[i], results[i]);
        uploaded += 1;
        if (answeredOtherwise(batch[i], results[i])) changed += 1;
      }
    }
  }
  strayProblems = problems;
  return { uploaded, changed };
}

// One upload at a time. A call while one runs (the page's own on load, coming
// online, every 15 s) is answered once the queue has been looked at again after it:
// returning at once told the caller its scans were up while they were still going.
let uploading = null;
let uploadingNext = null;

// Across the tablet's tabs too: they share the queue, and each sent it while the
// other's upload was on its way (the server kept one, both said "uploaded").
function uploadQueueAlone() {
  if (!navigator.locks) return uploadQueue();
  return navigator.locks.request("kicxup-scanner-upload", () => uploadQueue());
}

function flushQueue() {
  if (!uploading) {
    uploading = uploadQueueAlone().finally(() => {
      uploading = null;
    });
    return uploading;
  }
  if (!uploadingNext) {
    uploadingNext = uploading.then(() => {
      uploadingNext = null;
      return flushQueue();
    });
  }
  return uploadingNext;
}

async function uploadQueue() {
  try {
    let uploaded = 0;
    let changed = 0;
    for (;;) {
      // A clock set right since the last look dates its stretch's scans (and an
      // answer to the previous batch, or to the config, may have taught the page
      // the clock's error).
      noticeClockSteps();
      const items = (await db.getAll("queue"))
        .filter((q) => q.scan_point === pointId)
        .sort(inQueueOrder)
        .slice(0, UPLOAD_BATCH);
      if (!items.length) break;
      const response = await fetchJSON(
        cfg.batchUrl,
        { method: "POST", body: batchBody(pointId, items) },
        20000
      );
      if (!response.ok) {
        // The scans stay queued; the warning says how many and what to do.
        refused(response);
        uploadProblem = response.status === 401 || response.status === 403 ? "auth" : "server";
        uploadStatus = response.status;
        setOnline(true);
        break;
      }
      uploadProblem = null;
      const { results } = await response.json();
      setOnline(true);
      for (let i = 0; i < items.length; i++) {
        const result = results[i];
        if (!result) continue;
        await settle(items[i], result);
        await remember(result).catch(() => null);
        await learnRevocation(items[i], result).catch(() => null);
        uploaded += 1;
        if (answeredOtherwise(items[i], result)) changed += 1;
      }
    }
    const strays = await flushStrays();
    uploaded += strays.uploaded;
    changed += strays.changed;
    if (uploaded) {
      els.syncNote.textContent =
        fill(UI.synced, { count: uploaded }) + (changed ? " " + fill(UI.syncChanged, { count: changed }) : "");
      root.dataset.lastSync = String(Date.now());
    }
  } catch (error) {
    setOnline(false);
  } finally {
    await refreshQueueCount();
  }
}

// -- inputs -------------------------------------------------------------------------------
// With the Korean input method on, the hand scanner's Enter may come while the code's
// last syllable is still composing. Emptying the field then leaves the input method
// to put that syllable back after the scan, where the next Enter scanned it as a
// second, wrong code: the composition is ended first (leaving the field ends it).
let composing = false;
els.input.addEventListener("compositionstart", () => {
  composing = true;
});
// An Enter the input method took (keyCode 229) ends the composition, and may be the
// only Enter there is: the scan waits for the syllable it commits. The Enter that
// often follows finds the field empty and scans nothing.
let enterWhileComposing = false;
els.input.addEventListener("compositionend", () => {
  composing = false;
  if (!enterWhileComposing) return;
  enterWhileComposing = false;
  // After the input event that puts the syllable in the field.
  setTimeout(() => els.form.requestSubmit(), 0);
});
els.input.addEventListener("keydown", (event) => {
  if (event.keyCode !== 229 || !(event.key === "Enter" || event.code === "Enter" || event.code === "NumpadEnter"))
    return;
  if (!composing && !event.isComposing) return;
  // Some browsers also submit with it (a Mac's Enter types a line break), before the
  // syllable is in the field.
  event.preventDefault();
  enterWhileComposing = true;
});

els.form.addEventListener("submit", (event) => {
  event.preventDefault();
  if (composing) {
    els.input.blur();
    composing = false;
    enterWhileComposing = false;
  }
  const value = els.input.value;
  els.input.value = "";
  handle(value);
  els.input.focus();
});

// Keyboard-wedge scanners type the code and Enter. On devices with a real keyboard
// the field takes the focus back; on touch screens that would pop up the on-screen
// keyboard, so the keys typed outside a field are collected and Enter scans them.
// Either way a focused button (the camera toggle after a tap) does not count as
// typing: the hand scanner's characters would be lost and its Enter would press the
// button. Space still presses a button, and badge codes have no spaces.
const finePointer = window.matchMedia && window.matchMedia("(pointer: fine)").matches;
// Focused from the start only where a real keyboard is: on a touch screen the
// on-screen keyboard would cover the answer.
if (finePointer) els.input.focus();
const WEDGE_GAP_MS = 300; // a hand scanner types a whole code in one burst
let wedge = "";
let wedgeAt = 0;

// The character a key typed. With a Korean input method on, a letter key may come
// as the input method's ("Process"): the physical key still says which it was.
function typedKey(event) {
  if (event.key.length === 1) return event.key === " " ? "" : event.key;
  const physical = /^(?:Key([A-Z])|Digit([0-9]))$/.exec(event.code || "");
  if (!physical || (event.key !== "Process" && event.key !== "Unidentified")) return "";
  return physical[1] || physical[2];
}

// With the Korean input method on, Enter too may come as the input method's key.
function isEnter(event) {
  if (event.key === "Enter") return true;
  return (event.key === "Process" || event.key === "Unidentified") && /^(?:Numpad)?Enter$/.test(event.code || "");
}

// Fields that take typed text. A focused tick box (the phone menu's, after a tap on
// ☰) or button takes no characters: a hand scanner's code typed there was lost.
const NOT_TEXT = new Set(["checkbox", "radio", "button", "submit", "reset", "image", "file", "range", "color"]);
function takesText(target) {
  if (!(target instanceof HTMLElement)) return false;
  if (target instanceof HTMLInputElement) return !NOT_TEXT.has(target.type);
  return Boolean(target.closest("textarea, select, [contenteditable]"));
}

document.addEventListener("keydown", (event) => {
  const target = event.target;
  const typing = takesText(target);
  if (typing || event.ctrlKey || event.metaKey || event.altKey) return;
  const character = typedKey(event);
  if (finePointer) {
    if (!character) return;
    els.input.focus();
    // The input method's key has no text of its own, and what the input method makes
    // of it stays where the focus was: the field would get the code without its first
    // character. It takes the physical key's.
    if (event.key !== character) {
      event.preventDefault();
      els.input.value += character;
    }
    return;
  }
  // When the key was pressed, not when the page got to it: a busy page (a camera
  // frame decoding, an answer drawn) hands a burst's keys on late and far apart.
  const now = event.timeStamp || performance.now();
  if (now - wedgeAt > WEDGE_GAP_MS) wedge = "";
  wedgeAt = now;
  if (character) {
    wedge += character;
    event.preventDefault();
  } else if (isEnter(event) && wedge) {
    event.preventDefault();
    const code = wedge;
    wedge = "";
    handle(code);
  }
});

let scanner = null;
let starting = false;
let lastCode = "";
let lastAt = 0;

function onCameraRead(result) {
  const text = result.data || result;
  const now = Date.now();
  // The same badge still in view: every read of it restarts the pause, so a badge
  // held in front of the camera is one scan however long it stays there.
  const stillInView = text === lastCode && now - lastAt < 4000;
  lastCode = text;
  lastAt = now;
  if (!stillInView) handle(text);
}

async function startCamera() {
  // A second tap while the camera starts would start a second scanner, and the
  // first one's failure would tear down the one in use.
  if (starting) return;
  starting = true;
  let instance = null;
  try {
    const { default: QrScanner } = await import(cfg.qrScanner);
    if (!(await QrScanner.hasCamera())) {
      els.cameraNote.textContent = UI.noCamera;
      return;
    }
    els.video.parentElement.hidden = false;
    instance = new QrScanner(els.video, onCameraRead, {
      returnDetailedScanResult: true,
      preferredCamera: "environment",
      maxScansPerSecond: 8,
      highlightScanRegion: true,
    });
    await instance.start();
    scanner = instance;
    els.cameraNote.textContent = "";
    els.cameraToggle.textContent = UI.stopCamera;
    root.dataset.camera = "on";
  } catch (error) {
    els.cameraNote.textContent = fill(UI.cameraDenied, { error: String(error) });
    if (instance) instance.destroy();
    els.video.parentElement.hidden = true;
  } finally {
    starting = false;
  }
}

function stopCamera() {
  if (scanner) {
    scanner.stop();
    scanner.destroy();
    scanner = null;
  }
  els.video.parentElement.hidden = true;
  els.cameraToggle.textContent = UI.startCamera;
  root.dataset.camera = "off";
}

els.cameraToggle.addEventListener("click", () => {
  if (starting) return;
  if (scanner) stopCamera();
  else startCamera();
});
els.warningRetry.addEventListener("click", () => flushQueue());

// -- network and service worker -----------------------------------------------------------
window.addEventListener("online", () => {
  setOnline(true);
  flushQueue();
  loadConfig();
});
window.addEventListener("offline", () => setOnline(false));
// Back from signing in (in another tab, say): try the queue again at once. Back in
// view, the clock is measured by the server's again: set right (or wrong) while the
// page was out of view, in a step a sleep makes longer, it passes for time going on
// (noticeClockSteps), and the correction learned before would date the scans.
document.addEventListener("visibilitychange", () => {
  noticeClockSteps();
  if (document.visibilityState !== "visible") return;
  if (uploadProblem) flushQueue();
  if (navigator.onLine !== false) loadConfig();
});
document.addEventListener("freeze", () => (hiddenSinceLook = true));
setInterval(() => navigator.onLine !== false && flushQueue(), 15000);
setInterval(() => navigator.onLine !== false && loadConfig(), 120000);

if ("serviceWorker" in navigator) {
  navigator.serviceWorker
    .register(cfg.swUrl, { scope: cfg.swScope })
    .then(() => navigator.serviceWorker.ready)
    .then(() => caches.open(cfg.swCache))
    .then((cache) => cache.add(location.href))
    .then(() => (root.dataset.sw = "ready"))
    .catch(() => (root.dataset.sw = "failed"));
}

setOnline(navigator.onLine !== false);
refreshCount();
setInterval(refreshCount, 30000); // a gate left open past midnight shows the new day's count
// The stored copy first: on weak Wi-Fi the request for a fresh one may take its
// full 15 s, and the page is ready with what the device already holds.
await useStoredConfig();
const refreshing = loadConfig();
if (!config) await refreshing;
await refreshQueueCount();
forgetPastDays().catch(() => null);
if (navigator.onLine !== false) flushQueue();
root.dataset.ready = "1";
window.kicxupScanner = {
  handle,
  flushQueue,
  loadConfig,
  db,
  keyKind: () => publicKey && publicKey.kind,
};
