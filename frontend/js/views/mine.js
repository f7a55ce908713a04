// A citizen's own complaints.
import { call } from "../api.js";
import { h, tableWrap } from "../dom.js";
import { formatDateTime, t } from "../i18n.js";
import { currentUser } from "../session.js";
import { label } from "./labels.js";

export default async function mine(main) {
  main.append(h("h1", {}, t("mine.heading")));
  if (!currentUser()) {
    main.append(h("p", {}, t("auth.needed"), " ", h("a", { href: "/masuk?lanjut=/saya", "data-link": true }, t("nav.login"))));
    return;
  }
  const { data } = await call("listComplaints", { query: { per_page: 50 } });
  if (!data.items.length) {
    main.append(h("p", {}, t("mine.none")), h("a", { class: "button", href: "/lapor", "data-link": true }, t("nav.file")));
    return;
  }
  main.append(tableWrap(h("table", {},
    h("caption", {}, t("mine.caption")),
    h("thead", {}, h("tr", {}, ["complaint.code", "complaint.title", "complaint.status", "complaint.received_at"].map((k) => h("th", { scope: "col" }, t(k))))),
    h("tbody", {}, data.items.map((c) => h("tr", {},
      h("td", {}, c.tracking_code),
      h("td", {}, h("a", { href: `/pengaduan/${c.id}`, "data-link": true }, c.title)),
      h("td", {}, label("status", c.status)),
      h("td", {}, formatDateTime(c.received_at, c.time_zone))))))));
}
