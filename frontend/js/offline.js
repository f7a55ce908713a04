// The installable app offline (issue 14, item 13): the service worker, and complaints kept on the
// phone. A complaint sent without a connection is kept in IndexedDB (js/kept-store.js, which
// also holds its states) with the Idempotency-Key drawn when the citizen pressed "send",
// attachments included, and sent when the connection returns: the `online` event, the app's
// start, and Background Sync (the worker wakes an open page, or sends itself when none is open).
// Sending it twice (two tabs, a retry after a lost answer) files one complaint: the key makes the
// server answer a repeat with the first receipt.
import { ApiError, call } from "./api.js";
import { announce, h } from "./dom.js";
import { currentLang, t } from "./i18n.js";
import { navigate } from "./router.js";
import { SYNC_TAG, forget, keptComplaint, keptComplaints, save, sendAllKept } from "./kept-store.js";
import { keepReceipt } from "./store.js";

export { keptComplaints };

const channel = "BroadcastChannel" in self ? new BroadcastChannel("aduan-kept") : null;
const listeners = new Set();

/** Tell this tab's views and the other tabs that a kept complaint changed. */
function changed() {
  for (const listener of listeners) listener();
  if (channel) channel.postMessage("changed");
  drawBanner();
}

/** Call `listener` whenever a kept complaint changes (here or in another tab); returns the undo. */
export function onKeptChange(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** A fetch that never reached the server (no connection), as opposed to an answer. */
const unreachable = (error) => !(error instanceof ApiError);

/** File now, or keep on the phone when there is no connection. `replaces`: the key of a refused
 * draft this one corrects. Resolves to { data } (the receipt) or { kept: true }. */
export async function fileOrKeep({ body, key, values, files, categoryName, replaces }) {
  const item = { key, body, values, files, categoryName, lang: currentLang(), state: "waiting", savedAt: Date.now() };
  if (navigator.onLine) {
    try {
      const { data } = await call("createComplaint", { body, headers: { "Idempotency-Key": key } });
      if (replaces) { await forget(replaces); changed(); }
      return { data };
    } catch (error) {
      if (!unreachable(error)) throw error;
    }
  }
  await save(item);
  if (replaces) await forget(replaces);
  changed();
  askForSync();
  announce(t("kept.waiting"));
  return { kept: true };
}

function askForSync() {
  if (!("serviceWorker" in navigator)) return;
  navigator.serviceWorker.ready
    .then((registration) => registration.sync && registration.sync.register(SYNC_TAG))
    .catch(() => { /* no Background Sync: the online event and the next start send it */ });
}

// the page sends through the API module: the contract's paths, the sign-in (refreshed when it
// expired), the CSRF header and the page's language
const pageTransport = {
  file: async (item) => (await call("createComplaint", { body: item.body, headers: { "Idempotency-Key": item.key } })).data,
  upload: (receipt, file) => call("uploadTrackedAttachment", { form: { code: receipt.tracking_code, pin: receipt.pin, file } }),
};

function sendingChanged(outcome) {
  if (outcome === "sent") announce(t("kept.sent"));
  if (outcome === "invalid") announce(t("kept.invalid"));
  changed();
}

let flushing = null;

/** Send every complaint kept on this phone that waits, one tab at a time (the others then find
 * it sent; the key covers the rest). */
export function flush() {
  if (!flushing) {
    flushing = sendAllKept(pageTransport, sendingChanged).catch(() => {}).finally(() => { flushing = null; });
  }
  return flushing;
}

/** The receipt of a kept complaint that was sent: shown as any receipt, and marked shown (so
 * that a second tab watching the same complaint shows it too); shown ones are forgotten at the
 * app's next start. */
export async function openReceipt(item) {
  keepReceipt(item.receipt);
  if (item.state !== "shown") await save({ ...item, state: "shown" });
  changed();
  await navigate("/tanda-terima");
}

async function forgetShown() {
  for (const item of await keptComplaints()) if (item.state === "shown") await forget(item.key);
}

/** Put a refused draft back into the filing form and show the server's messages. */
export async function restoreDraft(key, { form, fileInput, showProblem }) {
  const item = key && (await keptComplaint(key));
  if (!item) return null;
  for (const [name, value] of Object.entries(item.values || {})) {
    for (const el of form.querySelectorAll(`[name="${CSS.escape(name)}"]`)) {
      if (el.type === "radio") el.checked = el.value === value;
      else if (el.type === "checkbox") el.checked = Boolean(value);
      else el.value = value === undefined ? "" : value;
      el.dispatchEvent(new Event("change", { bubbles: true }));
    }
  }
  if (item.files && item.files.length && typeof DataTransfer !== "undefined") {
    const transfer = new DataTransfer();
    for (const file of item.files) transfer.items.add(file);
    fileInput.files = transfer.files;
  }
  if (item.problem) showProblem(item.problem);
  return item.key;
}

/** The line under the navigation: no connection, or complaints kept on the phone. */
async function drawBanner() {
  const banner = document.getElementById("kept-banner");
  if (!banner) return;
  let items = [];
  try { items = (await keptComplaints()).filter((i) => i.state !== "shown"); } catch { /* no IndexedDB: nothing kept */ }
  const sent = items.filter((i) => i.state === "sent").length;
  const waiting = items.length - sent;
  const parts = [];
  if (!navigator.onLine) parts.push(t("kept.offline"));
  if (sent) parts.push(h("a", { href: "/tersimpan", "data-link": true }, t("kept.banner_sent", { n: sent })));
  else if (waiting) parts.push(h("a", { href: "/tersimpan", "data-link": true }, t("kept.banner_waiting", { n: waiting })));
  banner.replaceChildren(...parts.flatMap((p, i) => (i ? [" ", p] : [p])));
  banner.hidden = parts.length === 0;
}

/** At the app's start: the service worker, the banner, and sending what was kept. */
export function startOffline() {
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/sw.js", { type: "module" }).catch(() => { /* no worker: the app works online */ });
    navigator.serviceWorker.addEventListener("message", (event) => {
      if (event.data && event.data.type === "aduan-flush") flush();
    });
  }
  if (channel) channel.onmessage = () => { for (const listener of listeners) listener(); drawBanner(); };
  window.addEventListener("online", () => { drawBanner(); flush(); });
  window.addEventListener("offline", drawBanner);
  forgetShown().catch(() => {}).finally(() => {
    drawBanner();
    if (navigator.onLine) flush();
  });
}

/** Redraw the banner in the language just chosen. */
export const redrawBanner = drawBanner;
