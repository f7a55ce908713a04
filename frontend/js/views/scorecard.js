// The public scorecard (rapor kinerja): the city's or one agency's record month by month, from
// data up to the end of yesterday (WIB); a figure over fewer than 5 cases is shown as "< 5".
import { call, url } from "../api.js";
import { h, tableWrap } from "../dom.js";
import { currentLang, formatDateTime, formatNumber, t } from "../i18n.js";
import { navigate } from "../router.js";

const CLOCKS = ["response", "verification", "decision", "delivery"];

function monthName(month) {
  const [year, m] = month.split("-").map(Number);
  return new Intl.DateTimeFormat(currentLang() === "id" ? "id-ID" : "en-GB", { month: "short", year: "numeric", timeZone: "UTC" }).format(new Date(Date.UTC(year, m - 1, 15)));
}

/** A figure as shown: "< 5" when suppressed, "–" when there is none. */
function shown(figure, format = (v) => formatNumber(v)) {
  if (figure.suppressed) return t("scorecard.suppressed");
  return figure.value === null || figure.value === undefined ? "–" : format(figure.value);
}
const percent = (v) => formatNumber(v, { style: "percent", maximumFractionDigits: 1 });

/** Received complaints per month as bars, each with its number written beside it, so the chart
 * is its own text alternative (as the IKM trend). */
function chart(months) {
  const id = "scorecard-chart-h";
  const top = Math.max(1, ...months.map((m) => m.received.value || 0));
  return [
    h("h2", { id }, t("scorecard.chart")),
    h("div", { class: "bar-chart", role: "list", "aria-labelledby": id, "data-testid": "scorecard-chart" }, months.map((m) => {
      const bar = h("div", { class: "fill" });
      bar.style.width = `${Math.round(((m.received.value || 0) / top) * 100)}%`;
      return h("div", { class: "row", role: "listitem" }, h("span", {}, monthName(m.month)), h("div", { class: "track", "aria-hidden": "true" }, bar),
        h("span", {}, shown(m.received)));
    })),
  ];
}

export default async function scorecard(main, { query }) {
  const agency = query.get("agency") || "";
  const agencies = await call("listAgencies").then((r) => r.data).catch(() => []);
  const { data } = await call("getPublicScorecard", { query: agency ? { agency } : {} });
  const select = h("select", { id: "scorecard-agency", name: "agency" },
    h("option", { value: "" }, t("scorecard.city")),
    ...agencies.map((a) => h("option", { value: a.code, ...(a.code === agency ? { selected: "" } : {}) }, a.name)));
  select.addEventListener("change", () => navigate(select.value ? `/kinerja?agency=${encodeURIComponent(select.value)}` : "/kinerja"));
  const heads = ["scorecard.month", "scorecard.received", ...CLOCKS.map((c) => `scorecard.on_time_${c}`), "scorecard.breaches", "scorecard.median_decision", "scorecard.ikm"];
  main.append(
    h("h1", {}, t("scorecard.heading")),
    h("p", { class: "hint" }, t("scorecard.intro")),
    h("p", { "data-testid": "scorecard-as-of" }, t("scorecard.as_of", { when: formatDateTime(data.as_of, "WIB", "2000-01-01T00:00:00+07:00") })),
    h("p", {}, h("label", { for: "scorecard-agency" }, t("scorecard.agency")), " ", select),
    tableWrap(h("table", { "data-testid": "scorecard-table" }, h("caption", {}, t("scorecard.caption")),
      h("thead", {}, h("tr", {}, heads.map((k) => h("th", { scope: "col" }, t(k))))),
      h("tbody", {}, data.months.map((m) => h("tr", {}, h("th", { scope: "row" }, monthName(m.month)),
        h("td", { "data-testid": "scorecard-received" }, shown(m.received)),
        ...CLOCKS.map((c) => h("td", {}, shown(m.compliance[c], percent))),
        h("td", {}, shown(m.breaches)),
        h("td", {}, shown(m.median_decision_days, (v) => formatNumber(v, { maximumFractionDigits: 1 }))),
        h("td", {}, m.ikm.suppressed ? t("scorecard.suppressed") : m.ikm.value === null ? "–" : `${formatNumber(m.ikm.value, { maximumFractionDigits: 2 })} (${m.ikm.band})`)))))),
    ...chart(data.months),
    h("p", {}, h("a", { href: url("getPublicScorecardCsv", { query: agency ? { agency } : {} }) }, t("scorecard.csv"))),
  );
}
