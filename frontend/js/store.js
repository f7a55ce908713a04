// Memory shared between views of one visit. The citizen's own receipt is also kept in this tab's
// session storage, so that a reload, or a phone that drops the tab while the citizen switches to
// the camera or WhatsApp, does not lose the PIN; the tab's session storage ends with the tab.
export const store = { receipt: null, tracking: null };

const RECEIPT_KEY = "aduan-receipt";

/** Keep the receipt the citizen has just been given, in memory and for this tab. */
export function keepReceipt(receipt) {
  store.receipt = receipt;
  try { sessionStorage.setItem(RECEIPT_KEY, JSON.stringify(receipt)); } catch { /* storage off: memory only */ }
}

/** The receipt of this visit or of this tab, or null. */
export function keptReceipt() {
  if (store.receipt) return store.receipt;
  try {
    const saved = sessionStorage.getItem(RECEIPT_KEY);
    store.receipt = saved ? JSON.parse(saved) : null;
  } catch { store.receipt = null; }
  return store.receipt;
}
