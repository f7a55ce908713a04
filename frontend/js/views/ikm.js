// The supervisor's satisfaction index (IKM, PermenPANRB 14/2017) per agency beside its SLA
// compliance, the elements that pull it down, and the city's trend by month.
import { call, has } from "../api.js";
import { h, tableWrap } from "../dom.js";
import { currentLang, formatNumber, t } from "../i18n.js";

const score = (n) => (n === null || n === undefined ? "–" : formatNumber(n, { minimumFractionDigits: 2, maximumFractionDigits: 2 }));
const percent = (share) => (share === null || share === undefined ? "–" : formatNumber(share, { style: "percent", maximumFractionDigits: 1 }));
const quality = (s) => (s.band ? `${s.band} (${currentLang() === "id" ? s.quality_id : s.quality_en})` : "–");
const elementName = (e) => (currentLang() === "id" ? e.name_id : e.name_en);

/** "Waktu penyelesaian (2,75)": the weakest elements of a row, with their NRR. */
function weakest(row) {
  if (!row.weakest.length) return "–";
  const byCode = new Map(row.elements.map((e) => [e.element, e]));
  return row.weakest.map((code) => `${elementName(byCode.get(code))} (${score(byCode.get(code).nrr)})`).join("; ");
}

function monthName(month) {
  const [year, m] = month.split("-").map(Number);
  return new Intl.DateTimeFormat(currentLang() === "id" ? "id-ID" : "en-GB", { month: "short", year: "numeric", timeZone: "UTC" }).format(new Date(Date.UTC(year, m - 1, 15)));
}

/** The city's IKM month by month: one bar per month (its length the index out of 100), the
 * value, band and respondents written beside it, so the chart is its own text alternative. */
function trend(months) {
  const id = "ikm-trend-h";
  return [
    h("h3", { id }, t("ikm.trend")),
    months.length ? h("div", { class: "bar-chart ikm-trend", role: "list", "aria-labelledby": id, "data-testid": "ikm-trend" }, months.map((m) => {
      const bar = h("div", { class: "fill" });
      bar.style.width = `${Math.round(m.ikm || 0)}%`;
      return h("div", { class: "row", role: "listitem" }, h("span", {}, monthName(m.month)), h("div", { class: "track", "aria-hidden": "true" }, bar),
        h("span", {}, t("ikm.trend_value", { ikm: score(m.ikm), band: m.band || "–", n: formatNumber(m.respondents) })));
    })) : h("p", {}, t("ikm.none")),
  ];
}

/** Render the IKM section into `container` (the supervisor's dashboard calls this). */
export async function ikmSection(container) {
  if (!has("getIkmReport")) return;
  const { data } = await call("getIkmReport", { query: { group: "agency", by: "month" } });
  const rows = data.rows || [];
  container.append(h("section", { "aria-labelledby": "ikm-h", "data-testid": "ikm" },
    h("h2", { id: "ikm-h" }, t("ikm.heading")),
    h("p", { class: "hint" }, t("ikm.intro")),
    rows.length ? tableWrap(h("table", { "data-testid": "ikm-table" }, h("caption", {}, t("ikm.caption")),
      h("thead", {}, h("tr", {}, ["complaint.agency", "ikm.index", "ikm.band", "ikm.respondents", "breaches.rate", "ikm.weakest"].map((k) => h("th", { scope: "col" }, t(k))))),
      h("tbody", {}, rows.map((r) => h("tr", {}, h("th", { scope: "row" }, r.name || r.code || t("breaches.no_agency")),
        h("td", { "data-testid": "ikm-value" }, score(r.ikm)), h("td", { "data-testid": "ikm-band" }, quality(r)), h("td", {}, formatNumber(r.respondents)),
        h("td", {}, percent(r.sla_compliance_rate)), h("td", { "data-testid": "ikm-weakest" }, weakest(r))))),
      h("tfoot", {}, h("tr", {}, h("th", { scope: "row" }, t("ikm.city")), h("td", {}, score(data.total.ikm)), h("td", {}, quality(data.total)),
        h("td", {}, formatNumber(data.total.respondents)), h("td", {}, percent(data.total.sla_compliance_rate)), h("td", {}, weakest(data.total))))))
      : h("p", { "data-testid": "ikm-empty" }, t("ikm.none")),
    trend(data.total.months || []),
  ));
}
