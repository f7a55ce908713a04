// Staff queue: filters by status, agency, category, overdue; nearest deadline first.
import { call, queryEnum } from "../api.js";
import { choice, field, formValues, h, tableWrap } from "../dom.js";
import { formatDateTime, t } from "../i18n.js";
import { navigate } from "../router.js";
import { can, currentUser } from "../session.js";
import { queueExports } from "./exports.js";
import { label } from "./labels.js";

export default async function queue(main, { query }) {
  main.append(h("h1", {}, t("queue.heading")));
  if (!currentUser() || !can("complaints.queue")) {
    main.append(h("p", {}, t("auth.staff_needed"), " ", h("a", { href: "/masuk?lanjut=/staf", "data-link": true }, t("nav.login"))));
    return;
  }
  const [agencies, categories] = await Promise.all([call("listAgencies"), call("listCategories")]);
  // names, never codes (issue 14, item 4)
  const nameOf = (list, code) => (list.find((item) => item.code === code) || {}).name || code;
  const statuses = queryEnum("listComplaints", "status");
  const sorts = queryEnum("listComplaints", "sort");
  const status = field({ label: t("complaint.status"), name: "status", type: "select", value: query.get("status") || "",
    options: [["", t("queue.all")], ...statuses.map((s) => [s, label("status", s)])] });
  const agency = field({ label: t("complaint.agency"), name: "agency", type: "select", value: query.get("agency") || "",
    options: [["", t("queue.all")], ...agencies.data.map((a) => [a.code, a.short_name || a.name])] });
  const category = field({ label: t("complaint.category"), name: "category", type: "select", value: query.get("category") || "",
    options: [["", t("queue.all")], ...categories.data.map((c) => [c.code, c.name])] });
  const overdue = choice({ type: "checkbox", name: "overdue", value: "1", label: t("queue.overdue_only"), checked: query.get("overdue") === "true" });
  const form = h("form", { class: "filters", role: "search", "aria-label": t("queue.filters") },
    status.wrap, agency.wrap, category.wrap, overdue, h("div", {}, h("button", { type: "submit" }, t("queue.apply"))));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const v = formValues(form);
    const params = new URLSearchParams();
    for (const k of ["status", "agency", "category"]) if (v[k]) params.set(k, v[k]);
    if (v.overdue) params.set("overdue", "true");
    navigate(`/staf${params.toString() ? `?${params}` : ""}`);
  });
  main.append(form);

  const page = Number(query.get("hal") || "1");
  const request = { page, per_page: 20, status: query.get("status") || undefined, agency: query.get("agency") || undefined,
    category: query.get("category") || undefined, overdue: query.get("overdue") === "true" ? "true" : undefined,
    sort: sorts.includes("deadline") ? "deadline" : undefined };
  const { data } = await call("listComplaints", { query: request });
  const p = data.pagination || {};
  // past ten pages the server stops counting: its total is then a floor
  const countKey = p.total_exact === false ? "queue.count_at_least" : "queue.count";
  main.append(h("p", { "aria-live": "polite" }, t(countKey, { n: p.total ?? data.items.length })));
  if (!data.items.length) { main.append(h("p", {}, t("queue.empty"))); return; }
  main.append(tableWrap(h("table", {},
    h("caption", {}, sorts.includes("deadline") ? t("queue.caption_deadline") : t("queue.caption")),
    h("thead", {}, h("tr", {}, ["complaint.code", "complaint.title", "complaint.status", "complaint.agency", "complaint.category", "queue.officer", "complaint.received_at", "queue.next_due"].map((k) => h("th", { scope: "col" }, t(k))))),
    h("tbody", {}, data.items.map((c) => h("tr", {},
      h("td", {}, c.tracking_code),
      h("td", {}, h("a", { href: `/pengaduan/${c.id}`, "data-link": true }, c.title)),
      // how a decided case stands: how it was delivered and until when it may be disputed
      h("td", {}, label("status", c.status), c.delivery_channel || c.dispute_window_ends_at
        ? h("span", { class: "hint", "data-testid": "queue-handling" }, h("br"),
          c.delivery_channel ? t("queue.delivered_by", { channel: label("channel", c.delivery_channel) }) : "",
          c.dispute_window_ends_at ? ` ${t("queue.dispute_until", { due: formatDateTime(c.dispute_window_ends_at, c.time_zone) })}` : "")
        : null),
      h("td", {}, c.agency ? nameOf(agencies.data, c.agency) : "–"),
      h("td", {}, c.category ? nameOf(categories.data, c.category) : "–"),
      h("td", {}, c.assigned_officer || "–"),
      h("td", {}, formatDateTime(c.received_at, c.time_zone)),
      h("td", {}, c.next_due_at ? formatDateTime(c.next_due_at, c.time_zone) : "–", c.overdue ? [" ", h("span", { class: "badge overdue" }, t("queue.overdue"))] : null)))))));
  const nav = h("nav", { "aria-label": t("queue.pages") });
  const link = (n, key) => {
    const params = new URLSearchParams(location.search);
    params.set("hal", String(n));
    return h("a", { href: `/staf?${params}`, "data-link": true, class: "button secondary" }, t(key));
  };
  if (page > 1) nav.append(link(page - 1, "queue.prev"));
  if (p.pages && page < p.pages) nav.append(link(page + 1, "queue.next"));
  if (nav.childNodes.length) main.append(nav);
  const chosen = query.get("status");
  main.append(queueExports({ status: chosen ? [chosen] : undefined, agency: request.agency, category: request.category,
    overdue: request.overdue ? true : undefined, sort: request.sort }) || "");
}
