// The public list: verified complaints whose complainants chose "public", searchable by anyone;
// never a private, confidential or anonymous one, and a name only where its owner chose to show it.
import { call } from "../api.js";
import { errorBox, field, formValues, h, showError } from "../dom.js";
import { daysLeft, formatDateTime, formatNumber, t } from "../i18n.js";
import { navigate } from "../router.js";
import { facts, label } from "./labels.js";

const PER_PAGE = 20;
// what the status filter offers: a group of statuses each
const STATES = {
  open: ["verified", "in_progress", "decided"],
  closed: ["closed"],
};
const SUMMARY = 280;

export default async function publicList(main, { query }) {
  const [agencies, categories, areas] = await Promise.all(
    ["listAgencies", "listCategories", "listAreas"].map((op) => call(op).then((r) => r.data).catch(() => [])));
  const nameOf = (list, code) => (list.find((item) => item.code === code) || {}).name || code;
  const page = Math.max(1, Number(query.get("page")) || 1);
  const chosen = Object.fromEntries(["q", "state", "category", "agency", "kecamatan"].map((k) => [k, query.get(k) || ""]));

  const search = field({ label: t("public.words"), name: "q", type: "search", value: chosen.q, hint: t("public.search_hint"), attrs: { maxlength: 100 } });
  const state = field({ label: t("complaint.status"), name: "state", type: "select", value: chosen.state,
    options: [["", t("public.any")], ["open", t("public.open")], ["closed", t("public.closed")]] });
  const category = field({ label: t("complaint.category"), name: "category", type: "select", value: chosen.category,
    options: [["", t("public.any")], ...categories.map((c) => [c.code, c.name])] });
  const agency = field({ label: t("complaint.agency"), name: "agency", type: "select", value: chosen.agency,
    options: [["", t("public.any")], ...agencies.map((a) => [a.code, a.name])] });
  const kecamatan = field({ label: t("location.kecamatan"), name: "kecamatan", type: "select", value: chosen.kecamatan,
    options: [["", t("public.any")], ...areas.map((a) => [a.code, a.name])] });
  const errs = errorBox();
  const form = h("form", { role: "search", class: "filters", "aria-label": t("public.search") }, errs,
    search.wrap, state.wrap, category.wrap, agency.wrap, kecamatan.wrap,
    h("button", { type: "submit" }, t("public.submit")));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const v = formValues(form);
    const next = new URLSearchParams(Object.entries(v).filter(([k, value]) => value && k in chosen));
    navigate(`/publik${next.toString() ? `?${next}` : ""}`);
  });

  main.append(h("h1", {}, t("public.heading")), h("p", {}, t("public.intro")), form);
  const results = h("section", { "aria-labelledby": "public-results", "aria-live": "polite" });
  main.append(results);
  let data;
  try {
    ({ data } = await call("listPublicComplaints", {
      query: {
        q: chosen.q || undefined, status: STATES[chosen.state], category: chosen.category || undefined,
        agency: chosen.agency || undefined, kecamatan: chosen.kecamatan || undefined, page, per_page: PER_PAGE,
      },
    }));
  } catch (error) {
    showError(errs, error);
    return;
  }
  const filtered = Object.values(chosen).some(Boolean);
  results.append(h("h2", { id: "public-results", "data-testid": "public-count" }, t("public.count", { n: `${formatNumber(data.pagination.total)}${data.pagination.total_exact ? "" : "+"}` })));
  if (!data.items.length) {
    results.append(h("p", { "data-testid": "public-empty" }, t(filtered ? "public.none_matching" : "public.none_yet")));
    return;
  }
  results.append(h("ul", { class: "cards" }, data.items.map((c) => {
    const age = -daysLeft(c.received_at);
    const text = c.description.length > SUMMARY ? `${c.description.slice(0, SUMMARY).trimEnd()}…` : c.description;
    return h("li", { class: "card", "data-testid": "public-item" },
      h("h3", {}, c.title),
      h("p", {}, h("span", { class: `badge status-${c.status}` }, label("status", c.status))),
      facts([
        [t("complaint.agency"), c.agency ? nameOf(agencies, c.agency) : null],
        [t("complaint.category"), nameOf(categories, c.category)],
        [t("public.place"), [c.kelurahan, c.kecamatan ? nameOf(areas, c.kecamatan) : null].filter(Boolean).join(", ")],
        [t("public.received"), `${formatDateTime(c.received_at, c.time_zone)} (${t(age > 0 ? "public.days_ago" : "public.today", { n: age })})`],
        [t("public.by"), c.complainant_name],
      ]),
      h("p", {}, text));
  })));
  const { pages } = data.pagination;
  if (pages > 1) {
    const link = (n, key) => {
      const next = new URLSearchParams(query);
      next.set("page", String(n));
      return h("a", { href: `/publik?${next}`, "data-link": true }, t(key));
    };
    results.append(h("nav", { "aria-label": t("public.pages") },
      page > 1 ? link(page - 1, "public.previous") : null, " ",
      h("span", {}, t("public.page_of", { page, pages })), " ",
      page < pages ? link(page + 1, "public.next") : null));
  }
}
