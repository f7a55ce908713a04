// The installable app's service worker (issue 14, item 13), served at /sw.js for the whole site.
// The server fills SHELL when it serves this file: the version (a hash of the front end's files,
// so a deploy installs a new worker and a new cache), the shell's files to keep, the public
// reference data the filing form reads (the operations index, categories, areas), and the two
// intake paths Background Sync sends kept complaints to.
// Never kept: any other API answer. Tracking, complaints, accounts and receipts carry personal
// data and the PIN; they go to the network or fail.
import { SYNC_TAG, sendAllKept } from "/assets/js/kept-store.js";

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

/** An API answer as the page's API module gives it: the body, or an error with status and problem. */
async function answer(response) {
  const body = await response.json().catch(() => null);
  // a sign-in that expired is renewed by the page, not here: the complaint waits for it
  if (response.status === 401) throw new TypeError("sign-in to renew");
  if (!response.ok) throw Object.assign(new Error(`HTTP ${response.status}`), { status: response.status, problem: body || {} });
  return body;
}

async function csrfToken() {
  const cookie = self.cookieStore ? await self.cookieStore.get("csrf_access_token").catch(() => null) : null;
  return cookie ? { "X-CSRF-TOKEN": cookie.value } : {};
}

// with no page open the worker sends by itself, in the language the complaint was written in
const workerTransport = {
  file: async (item) => answer(await fetch(SHELL.intake.file, {
    method: "POST",
    credentials: "same-origin",
    headers: {
      "Content-Type": "application/json",
      Accept: "application/json, application/problem+json",
      "Accept-Language": item.lang || "id",
      "Idempotency-Key": item.key,
      ...(await csrfToken()),
    },
    body: JSON.stringify(item.body),
  })),
  upload: async (receipt, file) => {
    const form = new FormData();
    form.append("code", receipt.tracking_code);
    form.append("pin", receipt.pin);
    form.append("file", file);
    return answer(await fetch(SHELL.intake.upload, { method: "POST", credentials: "same-origin", body: form }));
  },
};

// Background Sync, where the browser has it: an open page sends (it holds the sign-in and tells
// the citizen at once); with none open the worker sends, and the next start shows the receipt
self.addEventListener("sync", (event) => {
  if (event.tag !== SYNC_TAG) return;
  event.waitUntil((async () => {
    const pages = await self.clients.matchAll({ type: "window" });
    if (pages.length) {
      for (const page of pages) page.postMessage({ type: "aduan-flush" });
      return;
    }
    const reached = await sendAllKept(workerTransport, () => {});
    if (!reached) throw new Error("no connection yet"); // the browser tries the sync again later
  })());
});
