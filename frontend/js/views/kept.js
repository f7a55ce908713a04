// Complaints kept on this phone (issue 14, item 13): which state each is in, and what the citizen
// can do: wait, send now, open the receipt once sent, or correct a refused draft.
import { h } from "../dom.js";
import { currentLang, t } from "../i18n.js";
import { flush, keptComplaints, onKeptChange, openReceipt } from "../offline.js";

/** When the phone kept it, on the phone's own clock and zone, named (WIB). */
function keptAt(savedAt) {
  return new Intl.DateTimeFormat(currentLang() === "id" ? "id-ID" : "en-GB",
    { day: "numeric", month: "short", year: "numeric", hour: "2-digit", minute: "2-digit", timeZoneName: "short" }).format(new Date(savedAt));
}

const STATE_CLASS = { waiting: "warning", sending: "warning", sent: "ok", invalid: "error" };

function entry(item) {
  const heading = h("h2", {}, item.body.title);
  const state = h("p", { class: STATE_CLASS[item.state], "data-testid": "kept-state" }, t(`kept.${item.state}`));
  const actions = [];
  if (item.state === "waiting") actions.push(h("button", { type: "button", "data-testid": "kept-send", onclick: () => flush() }, t("kept.send_now")));
  if (item.state === "sent") actions.push(h("button", { type: "button", "data-testid": "kept-receipt", onclick: () => openReceipt(item) }, t("kept.open_receipt")));
  if (item.state === "invalid") actions.push(h("a", { class: "button", href: `/lapor?draft=${encodeURIComponent(item.key)}`, "data-link": true }, t("kept.correct")));
  return h("li", { class: "card kept", "data-testid": "kept-item" }, heading,
    h("p", { class: "hint" }, t("kept.saved_at", { at: keptAt(item.savedAt) })),
    state,
    item.files && item.files.length ? h("p", {}, t("kept.files", { n: item.files.length })) : null,
    actions.length ? h("div", { class: "actions" }, actions) : null);
}

export default async function kept(main) {
  const list = h("ul", { class: "plain", "aria-live": "polite" });
  const empty = h("p", {}, t("kept.none"), " ", h("a", { href: "/lapor", "data-link": true }, t("nav.file")));
  let seen = new Set();

  async function draw() {
    const all = await keptComplaints();
    if (!main.contains(list)) return;
    const items = all.filter((i) => i.state !== "shown");
    list.replaceChildren(...items.map(entry));
    empty.hidden = items.length > 0;
    // a complaint that was waiting while the citizen watched goes straight on to its receipt
    const justSent = all.find((i) => (i.state === "sent" || i.state === "shown") && seen.has(i.key));
    seen = new Set(items.filter((i) => i.state !== "sent").map((i) => i.key));
    if (justSent && location.pathname === "/tersimpan") await openReceipt(justSent);
  }

  main.append(h("h1", {}, t("kept.heading")), h("p", {}, t("kept.intro")), empty, list);
  await draw();
  const stop = onKeptChange(() => { if (main.contains(list)) draw(); else stop(); });
  if (navigator.onLine && seen.size) flush();
}
