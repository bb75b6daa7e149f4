/* Service worker of the KICXUP scanner ({{ event.slug }}): keeps the scanner
   page and its scripts usable without network. Scans themselves are queued by
   the page (IndexedDB) and uploaded when the network returns. */
// Named after the files' versions: a deploy that changes any of them changes this
// script, the browser installs it, and "activate" drops the old cache.
const CACHE = {{ cache|tojson }};
const ASSETS = {{ assets|tojson }};

// All files or no new worker: one that took over with a file missing (weak Wi-Fi
// during a deploy) would drop the old cache, and the scanner would not start
// offline. A failed install leaves the old worker and its cache in charge; the
// next page load tries again.
self.addEventListener("install", (event) => {
  event.waitUntil(
    caches.open(CACHE)
      .then((cache) => cache.addAll(ASSETS))
      .then(() => self.skipWaiting())
  );
});

// The old cache also holds the scanner pages opened so far (other scan points,
// the scanner home): they move to the new cache before the old one goes.
async function carryPages(fresh, name) {
  const old = await caches.open(name);
  for (const request of await old.keys()) {
    if (new URL(request.url).pathname.startsWith("/static/")) continue;
    if (await fresh.match(request)) continue;
    const response = await old.match(request);
    if (response) await fresh.put(request, response);
  }
}

self.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      const fresh = await caches.open(CACHE);
      for (const name of await caches.keys()) {
        if (name === CACHE) continue;
        await carryPages(fresh, name);
        await caches.delete(name);
      }
      await self.clients.claim();
    })()
  );
});

// On weak Wi-Fi a request can hang for a minute before it fails. After this long
// the cached page is shown (the page queues scans itself); the network's answer
// still refreshes the cache when it comes.
const NAVIGATION_PATIENCE_MS = 4000;

async function networkFirst(event) {
  const request = event.request;
  const cache = await caches.open(CACHE);
  const network = fetch(request).then(async (response) => {
    if (response.ok) await cache.put(request, response.clone());
    // A server in trouble (a deploy, an overload) answers 502/503 at once: the
    // saved scanner still scans and queues, its error page would not.
    if (response.status >= 500) {
      const cached = await cache.match(request, { ignoreSearch: true });
      if (cached) return cached;
    }
    return response;
  });
  event.waitUntil(network.catch(() => null));
  const patience = new Promise((resolve) => setTimeout(resolve, NAVIGATION_PATIENCE_MS))
    .then(() => cache.match(request, { ignoreSearch: true }))
    .then((cached) => cached || network);
  try {
    return await Promise.race([network, patience]);
  } catch (error) {
    const cached = await cache.match(request, { ignoreSearch: true });
    if (cached) return cached;
    throw error;
  }
}

// Static files have their version in the address: the exact copy, else the network,
// and only offline any cached version (better an older script than none).
async function cacheFirst(request) {
  const cache = await caches.open(CACHE);
  const cached = await cache.match(request);
  if (cached) return cached;
  try {
    const response = await fetch(request);
    if (response.ok) cache.put(request, response.clone());
    return response;
  } catch (error) {
    return (await cache.match(request, { ignoreSearch: true })) || Response.error();
  }
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname.startsWith("/api/")) return; // the page keeps its own offline copy
  if (url.pathname.includes("/scan/setup/")) return; // a set-up page is for one moment
  if (request.mode === "navigate") {
    event.respondWith(networkFirst(event));
  } else if (url.pathname.startsWith("/static/")) {
    event.respondWith(cacheFirst(request));
  }
});
