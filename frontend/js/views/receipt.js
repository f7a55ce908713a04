// The receipt (tanda terima, Pasal 44(1)-(2)): code, PIN, time received (local, named); printable.
import { h } from "../dom.js";
import { formatDateTime, t } from "../i18n.js";
import { store } from "../store.js";
import { facts, label } from "./labels.js";

export default function receipt(main) {
  const r = store.receipt;
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
    h("div", { class: "actions no-print" },
      h("button", { type: "button", onclick: () => window.print() }, t("receipt.print")),
      h("a", { class: "button secondary", href: `/lacak?kode=${encodeURIComponent(r.tracking_code)}`, "data-link": true }, t("receipt.track"))),
  );
}
