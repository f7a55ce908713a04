// Complaints kept on this phone (issue 14, item 13): the IndexedDB store and the one way they are
// sent, shared by the pages (js/offline.js) and the service worker (Background Sync with no page
// open), so both follow the same states: waiting -> sending -> sent (its receipt kept until the
// citizen opens it) -> shown (forgotten at the next start), or invalid (the server refused the
// content). Nothing here touches the page: it runs in a worker too.
const DB_NAME = "aduan";
const STORE = "kept";
export const SYNC_TAG = "aduan-kept";

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

export const keptComplaint = (key) => inStore("readonly", (s) => s.get(key));
export const save = (item) => inStore("readwrite", (s) => s.put(item));
export const forget = (key) => inStore("readwrite", (s) => s.delete(key));

/** Whether an error is an answer of the server (it has a status), not a request that never
 * arrived. */
const answered = (error) => Boolean(error) && typeof error.status === "number";

async function sendOne(item, transport, changed) {
  await save({ ...item, state: "sending" });
  changed();
  try {
    const receipt = await transport.file(item);
    const failedUploads = [];
    for (const file of item.files || []) {
      try { await transport.upload(receipt, file); } catch { failedUploads.push(file.name); }
    }
    await save({ ...item, files: [], state: "sent", receipt: { ...receipt, categoryName: item.categoryName, failedUploads } });
    return "sent";
  } catch (error) {
    // no answer, or the server busy or limiting: again later, with the same key
    if (!answered(error) || error.status >= 500 || error.status === 429 || error.status === 408) {
      await save({ ...item, state: "waiting" });
      return "waiting";
    }
    await save({ ...item, state: "invalid", problem: error.problem });
    return "invalid";
  } finally {
    changed();
  }
}

/** Send every kept complaint that waits, through `transport` ({ file(item) -> receipt,
 * upload(receipt, file) }, throwing an error with `status` and `problem` for a refusal), one
 * sender at a time across tabs and the worker; `changed(outcome)` after each step. Resolves
 * false when one could not reach the server (the rest wait for the next chance). */
export function sendAllKept(transport, changed) {
  const work = async () => {
    for (const item of await keptComplaints()) {
      if (item.state !== "waiting" && item.state !== "sending") continue;
      const outcome = await sendOne(item, transport, changed);
      changed(outcome);
      if (outcome === "waiting") return false;
    }
    return true;
  };
  return navigator.locks ? navigator.locks.request("aduan-kept", work) : work();
}
