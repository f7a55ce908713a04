// The receipt (tanda terima, Pasal 44(1)-(2)): code, PIN, time received (local, named); printable.
import { h } from "../dom.js";
import { formatDateTime, t } from "../i18n.js";
import { keptReceipt } from "../store.js";
import { facts, label } from "./labels.js";

/** The receipt as a text file the citizen keeps: code, PIN, time received and the tracking link. */
function saveAsFile(r) {
  const link = `${location.origin}/lacak?kode=${encodeURIComponent(r.tracking_code)}`;
  const text = [
    t("receipt.heading"),
    `${t("receipt.code")}: ${r.tracking_code}`,
    `${t("receipt.pin")}: ${r.pin}`,
    `${t("receipt.received_at")}: ${formatDateTime(r.received_at, r.time_zone)}`,
    `${t("receipt.title")}: ${r.title}`,
    `${t("receipt.track")}: ${link}`,
    "",
    t("receipt.keep_pin"),
  ].join("\r\n");
  const a = h("a", { href: URL.createObjectURL(new Blob([text], { type: "text/plain;charset=utf-8" })), download: `tanda-terima-${r.tracking_code}.txt` });
  a.hidden = true;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
}

/** The receipt as a short message: what an officer sends by SMS or WhatsApp. */
function asMessage(r) {
  const link = `${location.origin}/lacak?kode=${encodeURIComponent(r.tracking_code)}`;
  return t("receipt.message", { code: r.tracking_code, pin: r.pin, link });
}

/** Assisted intake: how the officer hands the receipt to the citizen, by the channel they came on. */
function handOver(r) {
  const { phone, email } = r.handOver;
  const digits = phone.replace(/\D/g, "").replace(/^0/, "62");
  const text = encodeURIComponent(asMessage(r));
  const ways = [];
  if (["walk_in", "letter", "complaint_box"].includes(r.channel) || (!phone && !email)) ways.push(h("p", {}, t(`receipt.handover_${r.channel === "walk_in" ? "print" : "post"}`)));
  if (email) ways.push(h("p", {}, t("receipt.handover_email", { email })));
  if (phone && ["whatsapp", "telephone"].includes(r.channel)) {
    ways.push(h("a", { class: "button secondary", href: `https://wa.me/${digits}?text=${text}`, target: "_blank", rel: "noopener", "data-testid": "handover-whatsapp" }, t("receipt.handover_whatsapp")));
  }
  if (phone && ["sms", "telephone", "whatsapp"].includes(r.channel)) {
    ways.push(h("a", { class: "button secondary", href: `sms:${phone}?body=${text}`, "data-testid": "handover-sms" }, t("receipt.handover_sms")));
  }
  return h("section", { class: "no-print", "aria-labelledby": "handover-h", "data-testid": "handover" },
    h("h2", { id: "handover-h" }, t("receipt.handover_heading")), h("p", {}, t("receipt.handover_intro", { channel: label("channel", r.channel) })), ...ways);
}

export default function receipt(main) {
  const r = keptReceipt();
  if (!r) {
    main.append(h("h1", {}, t("receipt.heading")), h("p", {}, t("receipt.missing")),
      h("a", { href: "/lacak", "data-link": true }, t("nav.track")));
    return;
  }
  main.append(
    h("h1", {}, t("receipt.heading")),
    h("div", { class: "receipt" },
      h("p", {}, t("receipt.intro")),
      facts([
        [t("receipt.code"), h("span", { class: "code", "data-testid": "tracking-code" }, r.tracking_code)],
        [t("receipt.pin"), h("span", { class: "code", "data-testid": "pin" }, r.pin)],
        [t("receipt.received_at"), formatDateTime(r.received_at, r.time_zone)],
        [t("receipt.received_by"), r.received_by],
        [t("receipt.channel"), label("channel", r.channel)],
        [t("receipt.category"), r.categoryName || r.category],
        [t("receipt.title"), r.title],
        [t("receipt.description"), r.description],
        [t("receipt.status"), label("status", r.status)],
      ]),
      h("div", { class: "warning", role: "note" }, h("strong", {}, t("receipt.keep_pin_title")), " ", t("receipt.keep_pin")),
      r.late_filing ? h("p", { class: "warning" }, t("receipt.late_filing")) : null,
      r.failedUploads && r.failedUploads.length ? h("p", { class: "error" }, t("receipt.upload_failed", { files: r.failedUploads.join(", ") })) : null),
    r.handOver ? handOver(r) : null,
    h("div", { class: "actions no-print" },
      h("button", { type: "button", onclick: () => window.print() }, t("receipt.print")),
      h("button", { type: "button", "data-testid": "receipt-save", onclick: () => saveAsFile(r) }, t("receipt.save")),
      h("a", { class: "button secondary", href: `/lacak?kode=${encodeURIComponent(r.tracking_code)}`, "data-link": true }, t("receipt.track"))),
  );
}
