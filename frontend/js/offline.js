// The installable app offline (issue 14, item 13): the service worker, and complaints kept on the
// phone. A complaint sent without a connection is kept in IndexedDB with the Idempotency-Key drawn
// when the citizen pressed "send", attachments included, and sent when the connection returns
// (the `online` event, the app's start, Background Sync where the browser has it). Sending it
// twice (two tabs, a retry after a lost answer) files one complaint: the key makes the server
// answer a repeat with the first receipt. States: waiting -> sending -> sent (its receipt kept
// until the citizen opens it) -> shown (forgotten at the next start), or invalid (the server
// refused the content: the draft reopens with the messages).
import { ApiError, call } from "./api.js";
import { announce, h } from "./dom.js";
import { t } from "./i18n.js";
import { navigate } from "./router.js";
import { keepReceipt } from "./store.js";

const DB_NAME = "aduan";
const STORE = "kept";
const SYNC_TAG = "aduan-kept";
const channel = "BroadcastChannel" in self ? new BroadcastChannel("aduan-kept") : null;
const listeners = new Set();

function openDb() {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DB_NAME, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(STORE, { keyPath: "key" });
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

async function inStore(mode, work) {
  const db = await openDb();
  try {
    return await new Promise((resolve, reject) => {
      const tx = db.transaction(STORE, mode);
      const result = work(tx.objectStore(STORE));
      tx.oncomplete = () => resolve(result && "result" in result ? result.result : undefined);
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error);
    });
  } finally { db.close(); }
}

/** Every complaint kept on this phone, oldest first. */
export async function keptComplaints() {
  const all = (await inStore("readonly", (s) => s.getAll())) || [];
  return all.sort((a, b) => a.savedAt - b.savedAt);
}

const keptComplaint = (key) => inStore("readonly", (s) => s.get(key));
const save = (item) => inStore("readwrite", (s) => s.put(item));
const forget = (key) => inStore("readwrite", (s) => s.delete(key));

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
export const unreachable = (error) => !(error instanceof ApiError);

/** File now, or keep on the phone when there is no connection. `replaces`: the key of a refused
 * draft this one corrects. Resolves to { data } (the receipt) or { kept: true }. */
export async function fileOrKeep({ body, key, values, files, categoryName, replaces }) {
  const item = { key, body, values, files, categoryName, state: "waiting", savedAt: Date.now() };
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

async function upload(receipt, files) {
  const failed = [];
  for (const file of files || []) {
    try { await call("uploadTrackedAttachment", { form: { code: receipt.tracking_code, pin: receipt.pin, file } }); }
    catch { failed.push(file.name); }
  }
  return failed;
}

/** Send one kept complaint; false when the connection is still missing. */
async function sendOne(item) {
  await save({ ...item, state: "sending" });
  changed();
  try {
    const { data } = await call("createComplaint", { body: item.body, headers: { "Idempotency-Key": item.key } });
    const failedUploads = await upload(data, item.files);
    await save({ ...item, files: [], state: "sent", receipt: { ...data, categoryName: item.categoryName, failedUploads } });
    announce(t("kept.sent"));
    return true;
  } catch (error) {
    // no answer, or the server busy or limiting: try again later with the same key
    if (unreachable(error) || error.status >= 500 || error.status === 429 || error.status === 408) {
      await save({ ...item, state: "waiting" });
      return false;
    }
    await save({ ...item, state: "invalid", problem: error.problem });
    announce(t("kept.invalid"));
    return true;
  } finally {
    changed();
  }
}

let flushing = null;

/** Send every complaint kept on this phone that waits, one tab at a time. */
export function flush() {
  if (!flushing) {
    const work = async () => {
      for (const item of await keptComplaints()) {
        if (item.state !== "waiting" && item.state !== "sending") continue;
        if (!(await sendOne(item))) break;
      }
    };
    // one tab sends at a time; the others then find the complaint sent (the key covers the rest)
    const locked = navigator.locks ? navigator.locks.request("aduan-kept", work) : work();
    flushing = locked.catch(() => {}).finally(() => { flushing = null; });
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
    navigator.serviceWorker.register("/sw.js").catch(() => { /* no worker: the app works online */ });
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
