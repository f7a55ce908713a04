// Supervisor breach dashboard: breached and at-risk counts per agency and clock, compliance chart, list, CSV.
import { call, has } from "../api.js";
import { h, tableWrap } from "../dom.js";
import { formatDateTime, formatNumber, t } from "../i18n.js";
import { can, currentUser } from "../session.js";
import { ikmSection } from "./ikm.js";
import { ombudsmanExport } from "./exports.js";
import { label } from "./labels.js";

const DAY = 86400;

function csv(rows) {
  const cell = (v) => {
    const s = v === undefined || v === null ? "" : String(v);
    const safe = /^[=+\-@\t\r]/.test(s) ? `'${s}` : s; // no formula injection in spreadsheets
    return /[",\n;]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
  };
  return rows.map((r) => r.map(cell).join(",")).join("\r\n");
}

function download(name, text) {
  const a = h("a", { href: URL.createObjectURL(new Blob([`\ufeff${text}`], { type: "text/csv;charset=utf-8" })), download: name });
  a.hidden = true;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
}

const percent = (share) => (share === null || share === undefined || Number.isNaN(share) ? "–" : formatNumber(share, { style: "percent", maximumFractionDigits: 1 }));

export default async function breaches(main) {
  main.append(h("h1", {}, t("breaches.heading")));
  if (!currentUser() || !can("reports.breaches")) {
    main.append(h("p", {}, t("auth.staff_needed"), " ", h("a", { href: "/masuk?lanjut=/pengawasan", "data-link": true }, t("nav.login"))));
    return;
  }
  if (!has("listBreaches") || !has("getBreachSummary")) {
    main.append(h("p", { class: "warning", "data-testid": "breaches-unavailable" }, t("breaches.unavailable")));
    return;
  }
  const [summary, list, agencyList] = await Promise.all([call("getBreachSummary"), call("listBreaches", { query: { per_page: 100 } }),
    call("listAgencies").then((r) => r.data).catch(() => [])]);
  // names, never codes (issue 14, item 4)
  const agencyName = (code) => (agencyList.find((a) => a.code === code) || {}).name || code;
  const rows = (summary.data.rows || []).map((r) => ({ ...r, agency: r.agency ? agencyName(r.agency) : t("breaches.no_agency") }));
  const breachRows = (list.data.items || []).slice().sort((a, b) => (b.overdue_seconds || 0) - (a.overdue_seconds || 0));
  // the chart's rate per agency is the table's rule over the agency's rows: deadlines met on time
  // out of those met or missed (a breached clock still running counts as missed)
  const perAgency = new Map();
  for (const r of rows) {
    const acc = perAgency.get(r.agency) || { onTime: 0, judged: 0 };
    acc.onTime += r.on_time || 0;
    acc.judged += (r.on_time || 0) + (r.breached || 0);
    perAgency.set(r.agency, acc);
  }
  const noRate = rows.some((r) => r.compliance_rate === null || r.compliance_rate === undefined);

  main.append(
    h("h2", {}, t("breaches.summary")),
    rows.length ? tableWrap(h("table", { "data-testid": "breach-summary" }, h("caption", {}, t("breaches.summary_caption")),
      h("thead", {}, h("tr", {}, ["complaint.agency", "clocks.kind", "breaches.open", "breaches.at_risk", "breaches.overdue", "breaches.breached", "breaches.rate", "clocks.consequence"].map((k) => h("th", { scope: "col" }, t(k))))),
      h("tbody", {}, rows.map((r) => h("tr", {}, h("td", {}, r.agency), h("td", {}, label("clock", r.clock)),
        h("td", {}, formatNumber(r.open || 0)), h("td", { "data-testid": "at-risk" }, formatNumber(r.at_risk || 0)), h("td", {}, formatNumber(r.overdue || 0)), h("td", {}, formatNumber(r.breached || 0)),
        h("td", { "data-testid": "rate" }, percent(r.compliance_rate)), h("td", {}, r.consequence || "–")))))) : h("p", { "data-testid": "summary-empty" }, t("breaches.summary_empty")),
    h("h2", { id: "chart-h" }, t("breaches.chart")),
    perAgency.size ? h("div", { class: "bar-chart", role: "list", "aria-labelledby": "chart-h" }, [...perAgency].map(([agency, acc]) => {
      const share = acc.judged ? acc.onTime / acc.judged : null;
      const bar = h("div", { class: "fill" });
      bar.style.width = `${share === null ? 0 : Math.round(share * 100)}%`;
      return h("div", { class: "row", role: "listitem", "data-testid": "chart-row" }, h("span", {}, agency), h("div", { class: "track", "aria-hidden": "true" }, bar),
        h("span", { "data-testid": "chart-rate" }, percent(share)));
    })) : h("p", {}, t("breaches.summary_empty")),
    noRate ? h("p", { class: "hint", "data-testid": "rate-none" }, t("breaches.rate_none")) : null,
    h("h2", {}, t("breaches.list")),
    breachRows.length ? tableWrap(h("table", { "data-testid": "breach-list" }, h("caption", {}, t("breaches.list_caption")),
      h("thead", {}, h("tr", {}, ["complaint.code", "complaint.agency", "clocks.kind", "clocks.due", "breaches.days_over", "clocks.consequence"].map((k) => h("th", { scope: "col" }, t(k))))),
      h("tbody", {}, breachRows.map((b) => h("tr", {},
        h("td", {}, h("a", { href: `/pengaduan/${b.complaint_id}`, "data-link": true }, b.tracking_code)),
        h("td", {}, b.agency ? agencyName(b.agency) : "–"), h("td", {}, label("clock", b.clock)), h("td", {}, formatDateTime(b.due_at, b.time_zone)),
        h("td", {}, formatNumber(Math.floor((b.overdue_seconds || 0) / DAY))), h("td", {}, b.consequence || "–"))))))
      : h("p", { "data-testid": "list-empty" }, t("breaches.none")),
    h("button", { type: "button", "data-testid": "breach-csv", onclick: () => download("pelanggaran-tenggat.csv", csv([
      ["agency", "clock", "open", "at_risk", "overdue", "breached", "on_time", "finished", "compliance_rate", "consequence"],
      ...rows.map((r) => [r.agency, r.clock, r.open, r.at_risk, r.overdue, r.breached, r.on_time, r.finished, r.compliance_rate, r.consequence]),
      [],
      ["tracking_code", "complaint_id", "agency", "clock", "due_at", "breached_at", "days_overdue", "escalation_level", "consequence"],
      ...breachRows.map((b) => [b.tracking_code, b.complaint_id, b.agency, b.clock, b.due_at, b.breached_at,
        Math.floor((b.overdue_seconds || 0) / DAY), b.escalation_level, b.consequence])])) }, t("breaches.csv")),
  );
  const ombudsman = ombudsmanExport();
  if (ombudsman) main.append(ombudsman);
  await ikmSection(main);
}
