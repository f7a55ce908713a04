// The installable app's service worker (issue 14, item 13), served at /sw.js for the whole site.
// The server fills SHELL when it serves this file: the version (a hash of the front end's files,
// so a deploy installs a new worker and a new cache), the shell's files to keep, and the public
// reference data the filing form reads (the operations index, categories, areas).
// Never kept: any other API answer. Tracking, complaints, accounts and receipts carry personal
// data and the PIN; they go to the network or fail.
const SHELL = "__SHELL__";
const CACHE = `aduan-shell-${SHELL.version}`;
const PUBLIC_DATA = new Set(SHELL.publicData);
const SHELL_FILES = new Set(SHELL.files);

self.addEventListener("install", (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(CACHE);
    // `reload`: straight from the server, not from the HTTP cache of the previous version
    await cache.addAll([...SHELL.files, ...SHELL.publicData].map((url) => new Request(url, { cache: "reload" })));
    await self.skipWaiting();
  })());
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name.startsWith("aduan-shell-") && name !== CACHE) await caches.delete(name);
    }
    await self.clients.claim();
  })());
});

/** The network's answer, kept for next time; the kept one when the network fails. */
async function networkFirst(request, fallbackUrl) {
  const cache = await caches.open(CACHE);
  try {
    const response = await fetch(request);
    if (response.ok && !fallbackUrl) await cache.put(request, response.clone());
    return response;
  } catch (error) {
    const kept = await cache.match(fallbackUrl || request, { ignoreVary: true, ignoreSearch: Boolean(fallbackUrl) });
    if (kept) return kept;
    throw error;
  }
}

/** A file of this version of the shell: kept at install, so the kept copy is the right one. */
async function cacheFirst(request) {
  const cache = await caches.open(CACHE);
  const kept = await cache.match(request, { ignoreVary: true });
  return kept || fetch(request);
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate") {
    // pages of the app: the server's, or offline the shell (its router draws the view); the
    // API's own pages (documentation) are left alone
    if (url.pathname.startsWith("/api/") || url.pathname.startsWith("/open311/")) return;
    event.respondWith(networkFirst(request, "/"));
  } else if (PUBLIC_DATA.has(url.pathname) && !url.search) {
    event.respondWith(networkFirst(request));
  } else if (SHELL_FILES.has(url.pathname)) {
    event.respondWith(cacheFirst(request));
  }
});

// Background Sync, where the browser has it: wake the open pages, which send what they keep
// (they hold the sending code, the language and the sign-in; see js/offline.js)
self.addEventListener("sync", (event) => {
  if (event.tag !== "aduan-kept") return;
  event.waitUntil((async () => {
    for (const client of await self.clients.matchAll({ type: "window" })) client.postMessage({ type: "aduan-flush" });
  })());
});
