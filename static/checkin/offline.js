// Offline checks of badge codes for the KICXUP scanner.
//
// A code is "K1" + base32 (RFC 4648, no padding) of payload(11 bytes: version 0x01,
// event_id u32 BE, badge_id u32 BE, issue u16 BE) || Ed25519 signature (64 bytes)
// over "KICXUP-BADGE\0" + payload. The scanner verifies the signature with the
// event's public key, then applies the revocation list and the scan point's rules
// it last synced. The server has the last word when the queued scan is uploaded.
//
// What the scanner knows of the holders depends on the scan point: entrances and
// meeting zones get name and category of every badge; booth lead points get no
// roster (exhibitors see a visitor's name only from the server), so offline they
// answer "captured, details after upload".

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const CONTEXT = new TextEncoder().encode("KICXUP-BADGE\u0000");

export function base32Decode(text) {
  const out = new Uint8Array(Math.floor((text.length * 5) / 8));
  let bits = 0;
  let value = 0;
  let index = 0;
  for (const char of text) {
    const digit = ALPHABET.indexOf(char);
    if (digit < 0) return null;
    value = (value << 5) | digit;
    bits += 5;
    if (bits >= 8) {
      out[index++] = (value >>> (bits - 8)) & 0xff;
      bits -= 8;
    }
  }
  return out;
}

export function base64UrlDecode(text) {
  const padded = text.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((text.length + 3) % 4);
  const binary = atob(padded);
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

// What the server strips from a scanned text (Python's str.strip): white space, and
// the separators a hand scanner may add (GS of a GS1 code, say) or a NEL.
const EDGES = /^[\s\x1c-\x1f\x85]+|[\s\x1c-\x1f\x85]+$/g;

export function cleanCode(text) {
  return (text || "").replace(EDGES, "");
}

// A hand scanner types the code's keys; with the tablet's Korean input method on
// (두벌식), each letter key becomes a jamo and the input method joins them into
// syllables. The keys are read back from the jamo: the code is upper case, so a
// shifted key (ㄲ for R) reads as the same letter.
const INITIAL_KEYS = "r R s e E f a q Q t T d w W c z x v g".split(" ");
const VOWEL_KEYS = "k o i O j p u P h hk ho hl y n nj np nl b m ml l".split(" ");
const FINAL_KEYS = ["", ..."r R rt s sw sg e f fr fa fq ft fx fv fg a q qt t T d w c z x v g".split(" ")];
const JAMO_KEYS = Object.fromEntries(
  [
    ..."ㄱr ㄲR ㄳrt ㄴs ㄵsw ㄶsg ㄷe ㄸE ㄹf ㄺfr ㄻfa ㄼfq ㄽft ㄾfx ㄿfv ㅀfg ㅁa ㅂq ㅃQ ㅄqt ㅅt ㅆT ㅇd ㅈw ㅉW ㅊc ㅋz ㅌx ㅍv ㅎg".split(" "),
    ..."ㅏk ㅐo ㅑi ㅒO ㅓj ㅔp ㅕu ㅖP ㅗh ㅘhk ㅙho ㅚhl ㅛy ㅜn ㅝnj ㅞnp ㅟnl ㅠb ㅡm ㅢml ㅣl".split(" "),
  ].map((pair) => [pair[0], pair.slice(1)])
);
const HANGUL = /[\u3131-\u318e\uac00-\ud7a3]/;

export function fromHangulKeys(text) {
  if (!text || !HANGUL.test(text)) return text;
  let keys = "";
  for (const character of text) {
    const point = character.codePointAt(0);
    if (point >= 0xac00 && point <= 0xd7a3) {
      const index = point - 0xac00;
      keys +=
        INITIAL_KEYS[Math.floor(index / 588)] + VOWEL_KEYS[Math.floor((index % 588) / 28)] + FINAL_KEYS[index % 28];
    } else {
      keys += JAMO_KEYS[character] || character;
    }
  }
  // Only where that gives a badge code: other text stays as it was scanned.
  const upper = keys.toUpperCase();
  return cleanCode(upper).startsWith("K1") ? upper : text;
}

export function parseCode(text) {
  const cleaned = cleanCode(text).toUpperCase();
  if (!cleaned.startsWith("K1")) return { error: "wrong prefix" };
  const body = cleaned.slice(2);
  if (body.length !== 120) return { error: "wrong length" };
  const raw = base32Decode(body);
  if (!raw || raw.length !== 75) return { error: "bad base32" };
  const payload = raw.slice(0, 11);
  const signature = raw.slice(11);
  const view = new DataView(payload.buffer);
  if (view.getUint8(0) !== 1) return { error: "unknown version" };
  return {
    eventId: view.getUint32(1),
    badgeId: view.getUint32(5),
    issue: view.getUint16(9),
    payload,
    signature,
  };
}

export async function loadPublicKey(b64url, nobleUrl) {
  const raw = base64UrlDecode(b64url);
  try {
    const key = await crypto.subtle.importKey("raw", raw, { name: "Ed25519" }, false, ["verify"]);
    return { kind: "webcrypto", key };
  } catch (error) {
    // Browsers without Ed25519 in WebCrypto: the audited pure-JS implementation.
    const ed = await import(nobleUrl);
    return { kind: "noble", ed, raw };
  }
}

export async function verifySignature(key, parsed) {
  const message = new Uint8Array(CONTEXT.length + parsed.payload.length);
  message.set(CONTEXT, 0);
  message.set(parsed.payload, CONTEXT.length);
  try {
    if (key.kind === "webcrypto") {
      return await crypto.subtle.verify({ name: "Ed25519" }, key.key, parsed.signature, message);
    }
    return await key.ed.verifyAsync(parsed.signature, message, key.raw);
  } catch (error) {
    return false;
  }
}

export function localDay(date, timeZone) {
  // en-CA formats as YYYY-MM-DD.
  return new Intl.DateTimeFormat("en-CA", {
    timeZone,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
  }).format(date);
}

// "MM-DD HH:mm" in the event's time zone, as the server writes the first scan's time
// (a lead may have been captured on an earlier fair day).
export function localStamp(date, timeZone, { withDate = true } = {}) {
  const parts = {};
  const format = new Intl.DateTimeFormat("en-GB", {
    timeZone, month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hourCycle: "h23",
  });
  for (const { type, value } of format.formatToParts(date)) parts[type] = value;
  const clock = `${parts.hour}:${parts.minute}`;
  return withDate ? `${parts.month}-${parts.day} ${clock}` : clock;
}

// A counted text comes in both forms (plural_forms on the server): the page's language
// picks one by the count ("1 scan", "2 scans"; Korean has one form).
const plurals = new Intl.PluralRules(globalThis.document?.documentElement.lang || undefined);

export function fill(template, params) {
  const text =
    typeof template === "string" ? template : template[plurals.select(params.count) === "one" ? "one" : "other"];
  return attachParticles(text, params).replace(/%\((\w+)\)s/g, (_, name) =>
    name in params ? params[name] : "",
  );
}

// Korean particles after a name, as the server picks them (eventapp/core/particles.py,
// kept in step with it): the catalog writes both forms ("%(name)s은(는)"), and the one
// that fits how the name is read is kept, so an answer judged offline reads as the
// server's would.
const PAIRS = {
  "을(를)": ["을", "를"], "를(을)": ["을", "를"], "이(가)": ["이", "가"], "가(이)": ["이", "가"],
  "은(는)": ["은", "는"], "는(은)": ["은", "는"], "과(와)": ["과", "와"], "와(과)": ["과", "와"],
  "(으)로": ["으로", "로"],
};
const PAIR_AFTER_PLACEHOLDER = new RegExp(
  "%\\((\\w+)\\)s(['\"’”」』)\\]]*)(" +
    Object.keys(PAIRS).map((pair) => pair.replace(/[()]/g, "\\$&")).join("|") + ")",
  "g",
);
const DIGIT_ENDINGS = { 0: "other", 1: "ㄹ", 2: null, 3: "other", 4: null, 5: null, 6: "other", 7: "ㄹ", 8: "ㄹ", 9: null };
const LETTER_NAME_ENDINGS = { L: "ㄹ", M: "other", N: "other", R: "ㄹ" };
const DOMAIN_ENDINGS = { com: "other", net: "other", org: null, kr: "ㄹ", io: null, co: null, jp: null, cn: "other" };
const WORD_ENDINGS = [
  [/[aeiou]le$/, "ㄹ"], [/[aeiou][mn]e$/, "other"], [/(ng|ck|ook)$/, "other"], [/l$/, "ㄹ"],
  [/[mn]$/, "other"], [/(^|[^aeiou])[aeiou][bpt]$/, "other"],
];

// The consonant `word` is read to end with: null (a vowel), "ㄹ" or "other"; false
// when its end cannot be told.
export function finalConsonant(word) {
  const trimmed = String(word).replace(/[ \t.,;:!?'"’”)\]」』]+$/, "");
  if (!trimmed || /%\(\w+\)[sd]$/.test(trimmed)) return false;
  const last = trimmed[trimmed.length - 1];
  if (last >= "가" && last <= "힣") {
    const final = (last.charCodeAt(0) - 0xac00) % 28;
    return final === 0 ? null : final === 8 ? "ㄹ" : "other";
  }
  if (/[0-9]/.test(last)) return DIGIT_ENDINGS[last];
  if (!/[A-Za-z]/.test(last)) return false;
  const domain = /[@.]([A-Za-z]+)$/.exec(trimmed);
  if (domain && domain[1].toLowerCase() in DOMAIN_ENDINGS) return DOMAIN_ENDINGS[domain[1].toLowerCase()];
  const letters = /[A-Za-z]+$/.exec(trimmed)[0];
  if (letters === letters.toUpperCase() && letters.length <= 3) return LETTER_NAME_ENDINGS[last] ?? null;
  const lower = letters.toLowerCase();
  for (const [ending, consonant] of WORD_ENDINGS) if (ending.test(lower)) return consonant;
  return null;
}

export function attachParticles(text, params) {
  return text.replace(PAIR_AFTER_PLACEHOLDER, (whole, name, closing, pair) => {
    if (!(name in params)) return whole;
    const consonant = finalConsonant(params[name]);
    if (consonant === false) return whole;
    const [afterConsonant, afterVowel] = PAIRS[pair];
    const chosen =
      pair === "(으)로" && consonant === "ㄹ" ? afterVowel : consonant === null ? afterVowel : afterConsonant;
    return `%(${name})s${closing}${chosen}`;
  });
}

// The key under which the device remembers that it admitted a badge: the same keys as
// the server's, a check-in per badge, fair day ("YYYY-MM-DD") and entrance group; a
// lead per exhibitor company and badge, whatever the day. Used for the offline
// "already" check and to remember the badges the server admitted online. Null at
// meeting zones: an arrival there is no check-in (and must not count as one at the
// entrance group the point carries by default).
export function seenKeyOf(config, day, badgeId) {
  const point = config.scan_point;
  if (point.kind === "booth") return `lead|${config.event.id}|${point.organization_id}|${badgeId}`;
  if (point.kind === "entrance") {
    return `entrance|${config.event.id}|${point.entrance_group}|${day}|${badgeId}`;
  }
  return null;
}

// The fair day of an entrance's seen key (see seenKeyOf), or null for another kind.
// Read from the end: the entrance group is free text and may hold a "|".
export function seenKeyDay(key) {
  const parts = key.split("|");
  return parts[0] === "entrance" ? parts[parts.length - 2] : null;
}

// The answer the server would most likely give, from what the scanner last synced.
// `seen(key)` gives when and where the badge was admitted before (same day, group), as
// this device knows it ({at, place_ko, place_en}), or null. `asDevice`: the page scans
// with a device token (not a person's sign-in).
export async function judge({ text, config, key, when, messages, seen, asDevice = true }) {
  const say = (messageKey, paramsKo = {}, paramsEn = paramsKo) => ({
    message_ko: fill(messages[messageKey].ko, paramsKo),
    message_en: fill(messages[messageKey].en, paramsEn),
  });
  const parsed = parseCode(text);
  if (parsed.error) return { status: "invalid", reason: "malformed", ...say("malformed") };
  if (parsed.eventId !== config.event.id) {
    return { status: "invalid", reason: "other_event", ...say("other_event") };
  }
  if (!(await verifySignature(key, parsed))) {
    return { status: "invalid", reason: "bad_signature", ...say("bad_signature") };
  }
  const id = String(parsed.badgeId);
  const current = config.revocation.min_issue[id];
  if (current === undefined || parsed.issue > current) {
    // Signed by the organizer but issued after the last sync (a reprint, an on-site
    // registration): genuine, yet its holder, category and revocation are unknown
    // here. Not "invalid" (the server would admit it); the gate checks the person.
    return { status: "unverified", reason: "not_synced", badgeId: parsed.badgeId, badge: null, ...say("not_synced") };
  }
  const holder = (config.holders || {})[id] || null;
  // Booth points get no holders, only categories where their point admits some.
  const categoryKey = holder ? holder.category : (config.badge_categories || {})[id] || null;
  const category = categoryKey ? config.categories[categoryKey] : null;
  const badge = holder
    ? {
        id: parsed.badgeId,
        name_ko: holder.name_ko,
        name_en: holder.name_en,
        category: holder.category,
        category_label_ko: category ? category.label_ko : holder.category,
        category_label_en: category ? category.label_en : holder.category,
      }
    : null;
  const base = { badgeId: parsed.badgeId, badge };
  if (config.revocation.revoked.includes(parsed.badgeId)) {
    return { status: "revoked", reason: "revoked", ...base, ...say("revoked") };
  }
  if (parsed.issue < current) {
    return { status: "revoked", reason: "superseded", ...base, ...say("superseded") };
  }
  const point = config.scan_point;
  if (!point.active) return { status: "not_allowed", reason: "point_closed", ...base, ...say("point_closed") };
  if (categoryKey && point.allowed_categories.length && !point.allowed_categories.includes(categoryKey)) {
    const labelKo = category ? category.label_ko : categoryKey;
    const labelEn = category ? category.label_en : categoryKey;
    return {
      status: "not_allowed",
      reason: "category",
      ...base,
      ...say("not_allowed", { category: labelKo }, { category: labelEn }),
    };
  }
  const day = localDay(when, config.event.timezone);
  if (!point.valid_days.includes(day)) {
    return { status: "not_valid_today", reason: "day", ...base, ...say("not_valid_today", { day }) };
  }
  if (point.kind === "booth" && asDevice && point.exhibiting === false) {
    return { status: "not_allowed", reason: "not_exhibiting", ...base, ...say("not_exhibiting") };
  }
  if (point.kind === "booth" && (config.own_badges || []).includes(parsed.badgeId)) {
    return { status: "not_allowed", reason: "own_company", ...base, ...say("own_company") };
  }
  const nameKo = badge ? badge.name_ko : `#${id}`;
  const nameEn = badge ? badge.name_en : `#${id}`;
  const seenKey = seenKeyOf(config, day, id);
  if (seenKey) {
    const earlier = await seen(seenKey);
    if (earlier) {
      const messageKey = point.kind === "booth" ? "already_lead" : "already_entrance";
      // As the server says it: an entrance's first check-in is of the same day.
      const time = localStamp(new Date(earlier.at), config.event.timezone, {
        withDate: messageKey !== "already_entrance",
      });
      const placeKo = earlier.place_ko || point.name_ko;
      const placeEn = earlier.place_en || point.name_en;
      return {
        status: "already_checked_in",
        reason: "",
        ...base,
        seenKey,
        // Let in by this device on its own (judged here, queued), not by the server.
        firstOnDevice: Boolean(earlier.onDevice),
        first: { at: earlier.at, scan_point_ko: placeKo, scan_point_en: placeEn },
        ...say(messageKey, { time, place: placeKo }, { time, place: placeEn }),
      };
    }
  }
  const okKey = { entrance: "ok_entrance", booth: "ok_lead", meeting_zone: "ok_meeting" }[point.kind];
  if (point.kind === "booth" && !badge) {
    return { status: "ok", reason: "", seenKey, ...base, ...say("ok_lead_offline") };
  }
  return { status: "ok", reason: "", seenKey, ...base, ...say(okKey, { name: nameKo }, { name: nameEn }) };
}
