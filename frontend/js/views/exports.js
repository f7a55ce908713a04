// Exports offered by the queue and the dashboard: a CSV at once, any size as CSV or XLSX
// written in the background with its progress shown, then fetched by the one who asked.
import { call, has, url } from "../api.js";
import { announce, h } from "../dom.js";
import { formatNumber, t } from "../i18n.js";

const POLL_MS = 1500;

/** A button that asks for an export, shows its progress and then the link to its file. */
function backgroundExport({ kind, format, filters, label, testid }) {
  const status = h("p", { "aria-live": "polite", "data-testid": `${testid}-status` });
  const bar = h("progress", { max: 1, value: 0, hidden: true, "aria-label": label });
  const button = h("button", { type: "button", class: "secondary", "data-testid": testid }, label);
  button.addEventListener("click", async () => {
    button.disabled = true;
    bar.hidden = false;
    status.textContent = t("export.queued");
    try {
      let { data: job } = await call("createExport", { body: { kind, format, filters } });
      while (job.status === "queued" || job.status === "running") {
        await new Promise((resolve) => setTimeout(resolve, POLL_MS));
        ({ data: job } = await call("getExport", { path: { job_id: job.id } }));
        if (job.total) { bar.max = job.total; bar.value = job.done; } else bar.removeAttribute("value");
        status.textContent = job.status === "queued" ? t("export.queued") : t("export.running", { n: formatNumber(job.done) });
      }
      if (job.status !== "done") throw new Error(job.error || job.status);
      bar.max = 1; bar.value = 1;
      status.replaceChildren(t("export.ready", { n: formatNumber(job.done) }), " ",
        h("a", { href: url("downloadExport", { path: { job_id: job.id } }), download: "", "data-testid": `${testid}-file` }, t("export.download")));
      announce(t("export.ready", { n: formatNumber(job.done) }));
    } catch (error) {
      status.textContent = t("export.failed");
    } finally {
      button.disabled = false;
    }
  });
  return h("div", { class: "export" }, button, bar, status);
}

/** The queue's exports, with the queue's filters. */
export function queueExports(filters) {
  if (!has("createExport")) return null;
  const query = Object.fromEntries(Object.entries(filters).filter(([, v]) => v !== undefined && v !== null && v !== ""));
  return h("section", { "aria-labelledby": "export-h", class: "exports" }, h("h2", { id: "export-h" }, t("export.heading")),
    h("p", { class: "hint" }, t("export.hint")),
    h("a", { class: "button secondary", href: url("exportComplaintsCsv", { query }), download: "", "data-testid": "export-csv" }, t("export.csv")),
    backgroundExport({ kind: "complaints", format: "xlsx", filters: query, label: t("export.xlsx"), testid: "export-xlsx" }));
}

/** The dashboard's Ombudsman report: breaches escalated to the inspectorate. */
export function ombudsmanExport() {
  if (!has("createExport")) return null;
  return h("section", { "aria-labelledby": "ombudsman-h", class: "exports" }, h("h2", { id: "ombudsman-h" }, t("export.ombudsman_heading")),
    h("p", { class: "hint" }, t("export.ombudsman_hint")),
    backgroundExport({ kind: "ombudsman", format: "xlsx", filters: {}, label: t("export.ombudsman"), testid: "export-ombudsman" }));
}
