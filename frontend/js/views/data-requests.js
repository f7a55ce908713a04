// Personal-data rights (UU 27/2022): the complainant's requests on the tracking page, and the
// data-protection officer's queue, each request with its 3 x 24 hour deadline and its answer.
import { call } from "../api.js";
import { announce, choice, errorBox, field, fill, formValues, h, showError } from "../dom.js";
import { formatDateTime, t } from "../i18n.js";
import { navigate } from "../router.js";
import { can, currentUser } from "../session.js";
import { label } from "./labels.js";

const KINDS = ["access", "correction", "erasure", "restriction", "consent_withdrawal"];
const CORRECTABLE = [["name", "identity.name"], ["email", "identity.email"], ["phone", "identity.phone"], ["address", "identity.address"]];
const when = (r, iso) => formatDateTime(iso, r.time_zone);

/** Where a request stands: waiting (until when), or its answer with the ground of a refusal. */
function requestState(r) {
  if (r.status === "pending") {
    return h("p", { "data-testid": "dsr-state" }, t("dsr.pending", { due: when(r, r.due_at) }),
      r.overdue ? h("strong", { class: "overdue" }, ` · ${t("dsr.overdue")}`) : null);
  }
  return [
    h("p", { "data-testid": "dsr-state" }, h("strong", {}, t(`dsr.outcome.${r.outcome}`)), ` · ${t("dsr.answered_at", { at: when(r, r.answered_at) })}`),
    r.refusal_ground ? h("p", { "data-testid": "dsr-ground" }, t(`dsr.ground.${r.refusal_ground}`)) : null,
    r.answer ? h("p", {}, `${t("dsr.answer")}: `, r.answer) : null,
    r.processing_record ? processingRecord(r.processing_record) : null,
  ];
}

/** The record given with an access request: the data held, the legal basis, each processing. */
function processingRecord(record) {
  return h("details", { "data-testid": "dsr-record" }, h("summary", {}, t("dsr.record")),
    h("dl", {},
      h("dt", {}, t("dsr.record_held")), h("dd", {}, record.data_held.map((name) => t(name === "representative_name" ? "field_label.representative_name" : `identity.${name}`)).join(", ") || "–"),
      h("dt", {}, t("dsr.record_basis")), h("dd", {}, record.legal_basis)),
    h("p", {}, t("dsr.record_activities", { n: record.activities.length })),
    h("ul", {}, record.activities.map((a) => h("li", {}, `${formatDateTime(a.at)} · ${a.action ? label("action", a.action) : label("event", a.kind)}`))),
    h("p", {}, t("dsr.record_emails", { n: record.emails.length })),
    h("ul", {}, record.emails.map((m) => h("li", {}, `${formatDateTime(m.at)} · ${m.subject}`))));
}

/** The complainant's section: ask, and see this complaint's requests and their answers.
 * `file(body)` and `list()` call the API as the holder of code and PIN or as the account. */
function rightsSection({ file, list: listRequests, heading }) {
  const errs = errorBox();
  const list = h("div", { "aria-live": "polite", "data-testid": "dsr-list" });
  const kind = field({ label: t("dsr.kind"), name: "kind", type: "select", required: true, options: KINDS.map((k) => [k, t(`dsr.kind.${k}`)]) });
  const details = field({ label: t("dsr.details"), name: "details", type: "textarea", hint: t("dsr.details_hint"), attrs: { maxlength: 2000 } });
  const form = h("form", { novalidate: true }, errs, kind.wrap, details.wrap, h("button", { type: "submit" }, t("dsr.submit")));
  const sub = heading === "h2" ? "h3" : "h4";

  async function refresh() {
    const { data } = await listRequests();
    fill(list, h(sub, {}, t("dsr.your_requests")), data.items.length
      ? h("ul", { class: "dsr-requests" }, data.items.map((r) => h("li", { "data-testid": "dsr-item" }, h("strong", {}, t(`dsr.kind.${r.kind}`)), requestState(r))))
      : h("p", {}, t("dsr.none")));
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const v = formValues(form);
    try {
      errs.hidden = true;
      const { data } = await file({ kind: v.kind, details: v.details || null });
      form.reset();
      announce(t("dsr.sent", { due: when(data, data.due_at) }));
      await refresh();
    } catch (error) { showError(errs, error); }
  });
  refresh().catch(() => fill(list));
  return h("section", { "aria-labelledby": "dsr-h", "data-testid": "data-rights" },
    h(heading, { id: "dsr-h" }, t("dsr.heading")), h("p", { class: "hint" }, t("dsr.intro")), form, list);
}

/** The tracking page's section, as the holder of the code and PIN. */
export function dataRightsSection(creds) {
  return rightsSection({
    heading: "h3",
    file: (body) => call("fileTrackedDataRequest", { body: { ...creds, ...body } }),
    list: () => call("listTrackedDataRequests", { body: creds }),
  });
}

/** The complaint page's section, for the citizen whose account filed it. */
export function accountDataRights(complaintId) {
  const path = { complaint_id: complaintId };
  return rightsSection({
    heading: "h2",
    file: (body) => call("fileDataRequest", { path, body }),
    list: () => call("listDataRequestsOfComplaint", { path }),
  });
}

/** The officer's answer to one pending request (with the fields of a correction). */
function answerForm(r, done) {
  const errs = errorBox();
  const decision = h("fieldset", {}, h("legend", {}, t("dsr.decision")),
    choice({ name: `decision-${r.id}`, value: "grant", label: t("dsr.grant"), checked: true }),
    choice({ name: `decision-${r.id}`, value: "refuse", label: t("dsr.refuse") }));
  const message = field({ label: t("dsr.message"), name: "message", type: "textarea", hint: t("dsr.message_hint") });
  const corrections = r.kind === "correction"
    ? h("fieldset", {}, h("legend", {}, t("dsr.corrections")), CORRECTABLE.map(([name, key]) => field({ label: t(key), name, path: `corrections.${name}` }).wrap))
    : null;
  const form = h("form", { novalidate: true, "data-testid": "dsr-answer" }, errs, decision,
    r.kind === "erasure" ? h("p", { class: "hint" }, t("dsr.erasure_note")) : null,
    corrections, message.wrap, h("button", { type: "submit" }, t("dsr.send_answer")));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const v = formValues(form);
    const fixed = Object.fromEntries(CORRECTABLE.map(([name]) => [name, v[name]]).filter(([, value]) => value));
    try {
      errs.hidden = true;
      await call("answerDataRequest", { path: { request_id: r.id }, body: { decision: v[`decision-${r.id}`], message: v.message || null, corrections: fixed } });
      announce(t("dsr.answer_sent"));
      await done();
    } catch (error) { showError(errs, error); }
  });
  return form;
}

/** Set or lift the complaint's legal hold (a hold needs its reason). */
function holdForm(r, done) {
  if (!can("privacy.legal_hold")) return null;
  const errs = errorBox();
  const reason = r.legal_hold ? null : field({ label: t("dsr.hold_reason"), name: "reason", required: true });
  const form = h("form", { novalidate: true, class: "hold" }, errs, reason ? reason.wrap : null,
    h("button", { type: "submit", class: "secondary" }, r.legal_hold ? t("dsr.hold_lift") : t("dsr.hold_set")));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      errs.hidden = true;
      await call("setLegalHold", { path: { complaint_id: r.complaint_id }, body: { hold: !r.legal_hold, reason: reason ? reason.input.value : null } });
      announce(t("dsr.hold_done"));
      await done();
    } catch (error) { showError(errs, error); }
  });
  return form;
}

export default async function dataRequests(main, { query }) {
  main.append(h("h1", {}, t("dsr.queue_heading")));
  if (!currentUser() || !can("privacy.queue")) {
    main.append(h("p", {}, t("auth.staff_needed"), " ", h("a", { href: "/masuk?lanjut=/pelindungan-data", "data-link": true }, t("nav.login"))));
    return;
  }
  main.append(h("p", { class: "hint" }, t("dsr.queue_intro")));
  const status = field({ label: t("complaint.status"), name: "status", type: "select", value: query.get("status") || "",
    options: [["", t("queue.all")], ["pending", t("dsr.status.pending")], ["answered", t("dsr.status.answered")]] });
  const overdue = choice({ type: "checkbox", name: "overdue", value: "1", label: t("dsr.overdue_only"), checked: query.get("overdue") === "true" });
  const filters = h("form", { class: "filters", role: "search", "aria-label": t("dsr.queue_filters") }, status.wrap, overdue, h("div", {}, h("button", { type: "submit" }, t("queue.apply"))));
  filters.addEventListener("submit", (event) => {
    event.preventDefault();
    const v = formValues(filters);
    const params = new URLSearchParams();
    if (v.status) params.set("status", v.status);
    if (v.overdue) params.set("overdue", "true");
    navigate(`/pelindungan-data${params.toString() ? `?${params}` : ""}`);
  });
  const results = h("div", { "data-testid": "dsr-queue" });
  main.append(filters, results);

  async function load() {
    const { data } = await call("listDataRequests", { query: { per_page: 50, status: query.get("status") || undefined, overdue: query.get("overdue") === "true" ? "true" : undefined } });
    fill(results, h("p", { "aria-live": "polite" }, t("dsr.count", { n: data.pagination.total })),
      data.items.length ? data.items.map((r) => h("article", { class: "card dsr", "aria-labelledby": `dsr-${r.id}`, "data-testid": "dsr-request" },
        h("h2", { id: `dsr-${r.id}` }, t("dsr.request_title", { kind: t(`dsr.kind.${r.kind}`), code: r.tracking_code })),
        h("p", {}, t("dsr.received", { at: when(r, r.received_at) }), " · ", t("dsr.complaint_state", { status: label("status", r.complaint_status) }),
          r.legal_hold ? h("strong", { "data-testid": "dsr-hold" }, ` · ${t("dsr.legal_hold_on")}`) : null),
        r.details ? h("p", {}, `${t("dsr.details")}: `, r.details) : null,
        requestState(r),
        r.status === "pending" ? answerForm(r, load) : null,
        holdForm(r, load))) : h("p", {}, t("dsr.empty")));
  }
  await load();
  if (can("privacy.retention")) main.append(await retentionRuns());
}

/** What the retention schedule did lately: per run, how many records of each type went. */
async function retentionRuns() {
  const { data } = await call("listRetentionRuns");
  const counts = (run) => Object.entries(run.results).map(([name, r]) => `${name} ${r.count}`).join(", ") || "–";
  return h("section", { "aria-labelledby": "runs-h", "data-testid": "retention-runs" }, h("h2", { id: "runs-h" }, t("dsr.runs_heading")),
    data.length ? h("ul", {}, data.map((run) => h("li", {}, t("dsr.run_line", { at: formatDateTime(run.started_at, run.time_zone), trigger: run.trigger, counts: counts(run) }),
      run.complete ? null : ` · ${t("dsr.run_incomplete")}`))) : h("p", {}, t("dsr.runs_none")));
}
