// One complaint for staff (and its own citizen): facts, clocks, timeline, files, actions.
import { call, has, url } from "../api.js";
import { announce, checkControls, choice, errorBox, field, fill, formValues, h, showError, showFieldErrors } from "../dom.js";
import { formatDate, formatDateTime, formatNumber, t } from "../i18n.js";
import { can, currentUser } from "../session.js";
import { actionPanel } from "./confirm.js";
import { accountDataRights } from "./data-requests.js";
import { clocksTable, facts, label, timelineList } from "./labels.js";

const REASON_REQUIRED = new Set(["request_info", "reroute", "reopen", "reject", "withdraw", "postpone"]);
const RESOLUTIONS = ["outside_authority", "not_a_complaint", "duplicate", "insufficient_information"];

export default async function complaintView(main, { params }) {
  if (!currentUser()) {
    main.append(h("h1", {}, t("complaint.heading")), h("p", {}, t("auth.needed"), " ",
      h("a", { href: `/masuk?lanjut=/pengaduan/${encodeURIComponent(params.id)}`, "data-link": true }, t("nav.login"))));
    return;
  }
  const id = Number(params.id);
  const [agencyList, categoryList, areaList] = await Promise.all(
    ["listAgencies", "listCategories", "listAreas"].map((op) => call(op).then((r) => r.data).catch(() => [])));
  const agencies = can("complaints.queue") ? agencyList : [];
  // names, never codes (issue 14, item 4)
  const nameOf = (list, code) => (list.find((item) => item.code === code) || {}).name || code;
  const body = h("div");
  main.append(body);

  let officers = [];

  /** The agency's officers to assign to, by name (listAgencyOfficers). */
  async function officersOf(code) {
    const agency = agencyList.find((a) => a.code === code);
    if (!agency) return [];
    return call("listAgencyOfficers", { path: { agency_id: agency.id } }).then((r) => r.data).catch(() => []);
  }

  async function load() {
    const [complaint, events, files] = await Promise.all([
      call("getComplaint", { path: { complaint_id: id } }),
      call("listComplaintEvents", { path: { complaint_id: id } }),
      call("listComplaintAttachments", { path: { complaint_id: id } }).catch(() => ({ data: [] })),
    ]);
    const sla = has("getComplaintSla") ? await call("getComplaintSla", { path: { complaint_id: id } }).catch(() => null) : null;
    officers = (complaint.data.allowed_actions || []).includes("assign") ? await officersOf(complaint.data.agency) : [];
    draw(complaint.data, complaint.etag || complaint.data.etag, events.data, files.data, sla && sla.data);
  }

  function actionFields(action, c) {
    const out = [];
    const agencyOptions = [["", t("form.choose")], ...agencies.map((a) => [a.code, a.short_name || a.name])];
    if (action === "verify" || action === "reroute") {
      out.push(field({ label: t("action.agency"), name: "agency_code", type: "select", required: action === "reroute", options: agencyOptions, value: action === "verify" ? c.agency || "" : "" }).wrap);
    }
    if (action === "assign") {
      const me = currentUser();
      const mine = me && officers.some((o) => o.id === me.id) ? me.id : "";
      out.push(field({ label: t("action.officer"), name: "officer_id", type: "select", required: true, hint: t("action.officer_hint"),
        options: [["", t("form.choose")], ...officers.map((o) => [String(o.id), `${o.full_name} (${label("role", o.role)})`])],
        value: String(c.assigned_officer_id || mine) }).wrap);
    }
    if (action === "decide") {
      out.push(field({ label: t("action.decision"), name: "decision", type: "textarea", required: true }).wrap,
        field({ label: t("action.compensation"), name: "compensation_awarded", type: "number", attrs: { min: 0, step: "any" } }).wrap,
        field({ label: t("action.compensation_due"), name: "compensation_due_date", type: "date" }).wrap);
    }
    if (action === "deliver") out.push(field({ label: t("action.delivery_channel"), name: "delivery_channel", hint: t("action.delivery_hint") }).wrap);
    if (action === "reject") {
      out.push(field({ label: t("action.resolution"), name: "resolution_code", type: "select", required: true,
        options: RESOLUTIONS.map((r) => [r, label("resolution", r)]) }).wrap,
        field({ label: t("action.referral"), name: "referral", hint: t("action.referral_hint") }).wrap);
    }
    out.push(field({ label: t("action.reason"), name: "reason", type: "textarea", required: REASON_REQUIRED.has(action), hint: t(`action_help.${action}`) }).wrap);
    return out;
  }

  function transitionBody(action, v) {
    const data = { action, reason: v.reason };
    for (const k of ["agency_code", "decision", "compensation_due_date", "delivery_channel", "resolution_code", "referral"]) if (v[k]) data[k] = v[k];
    if (v.officer_id) data.officer_id = Number(v.officer_id);
    if (v.compensation_awarded) data.compensation_awarded = Number(v.compensation_awarded);
    for (const k of Object.keys(data)) if (data[k] === undefined) delete data[k];
    return data;
  }

  function draw(c, etag, events, files, sla) {
    const who = c.complainant;
    fill(body, 
      h("h1", { tabindex: "-1" }, t("complaint.heading_code", { code: c.tracking_code })), // focused after an action
      facts([
        [t("complaint.title"), h("span", { "data-testid": "complaint-title" }, c.title)],
        [t("complaint.status"), h("strong", { "data-testid": "status" }, label("status", c.status))],
        [t("complaint.report_type"), label("report_type", c.report_type)],
        [t("complaint.category"), c.category ? nameOf(categoryList, c.category) : null],
        [t("complaint.agency"), c.agency ? nameOf(agencyList, c.agency) : null],
        [t("complaint.privacy"), label("privacy", c.privacy)],
        [t("complaint.channel"), label("channel", c.channel)],
        [t("complaint.received_at"), formatDateTime(c.received_at, c.time_zone)],
        [t("complaint.late_filing"), c.late_filing ? t("complaint.late_filing_yes") : null],
        [t("complaint.description"), c.description],
        [t("complaint.loss"), c.loss_description],
        [t("complaint.remedy"), c.remedy_requested],
        [t("complaint.place"), c.incident_place],
        [t("complaint.incident_at"), c.incident_at ? formatDateTime(c.incident_at, c.time_zone) : null],
        [t("complaint.service_date"), c.service_date ? formatDate(c.service_date) : null],
        [t("complaint.location"), [c.kelurahan, c.kecamatan && nameOf(areaList, c.kecamatan), c.address].filter(Boolean).join(", ")],
        [t("complaint.compensation"), c.compensation_amount != null ? formatNumber(Number(c.compensation_amount), { style: "currency", currency: "IDR" }) : null],
        [t("complaint.assigned_officer"), c.assigned_officer ? h("span", { "data-testid": "assigned-officer" }, c.assigned_officer) : null],
        [t("complaint.decision"), c.decision],
        [t("track.rejection_ground"), c.status === "rejected" && c.resolution_code ? label("resolution", c.resolution_code) : null],
        [t("track.referral"), c.referral ? h("span", { "data-testid": "referral" }, c.referral) : null],
        [t("complaint.delivery_channel"), c.delivery_channel ? h("span", { "data-testid": "delivery-channel" }, c.delivery_channel) : null],
        [t("complaint.dispute_window_ends"), c.dispute_window_ends_at ? h("span", { "data-testid": "dispute-window" }, formatDateTime(c.dispute_window_ends_at, c.time_zone)) : null],
        [t("complaint.complainant"), who ? [who.name, who.email, who.phone, who.address].filter(Boolean).join(" · ") : c.identity_hidden ? t("complaint.identity_hidden") : t("complaint.no_identity")],
      ]),
      h("h2", {}, t("clocks.heading")), clocksTable(c.clocks),
      sla && sla.clocks && sla.clocks.length ? explainClocks(sla.clocks) : null,
      h("h2", {}, t("actions.heading")),
      c.allowed_actions && c.allowed_actions.length
        ? c.allowed_actions.map((action) => actionPanel({
          title: label("action", action), danger: ["reject", "withdraw"].includes(action), testid: `action-${action}`,
          fields: actionFields(action, c),
          run: async (f) => {
            try {
              await call("transitionComplaint", { path: { complaint_id: c.id }, headers: { "If-Match": etag }, body: transitionBody(action, formValues(f)) });
            } catch (error) {
              if (error.status !== 412) throw error;
              // someone else changed the complaint meanwhile: show the new version, do not retry blindly
              await load();
              body.prepend(h("p", { class: "error", role: "alert", "data-testid": "stale" }, t("action.stale")));
              body.querySelector("h1").focus();
              return;
            }
            announce(t("action.done"));
            await load();
            body.querySelector("h1").focus();
          },
        }))
        : h("p", {}, t("actions.none")),
      h("h2", {}, t("timeline.heading")), timelineList(events, (code) => (code ? nameOf(agencyList, code) : null)),
      h("h2", {}, t("attachments.heading")),
      files.length ? h("ul", {}, files.map((a) => h("li", {},
        h("a", { href: url("downloadComplaintAttachment", { path: { complaint_id: c.id, attachment_id: a.id } }), download: a.filename }, a.filename),
        ` (${formatNumber(Math.ceil(a.size / 1024))} KB)`))) : h("p", {}, t("attachments.none")),
      commentForm(c),
      // the citizen's own complaint: their rights over the data in it (UU 27/2022)
      can("privacy.request") ? accountDataRights(c.id) : null,
    );
  }

  function explainClocks(clocks) {
    return h("section", { "aria-labelledby": "explain-h" }, h("h3", { id: "explain-h" }, t("clocks.explanation")),
      clocks.map((k) => {
        const e = k.explanation || {};
        const skipped = Array.isArray(e.skipped) ? e.skipped : [];
        // calendar days count every day: weekends and holidays are not skipped, so none is listed
        const calendarDays = (e.unit || k.unit) === "calendar_day";
        return h("details", {}, h("summary", {}, `${label("clock", k.kind)} — ${formatDateTime(k.due_at, k.time_zone)}`,
          k.overdue ? [" ", h("span", { class: "badge overdue" }, t("queue.overdue"))] : null),
        // how the date was counted, in one sentence (day 0 is the local date it started)
        h("p", { "data-testid": "counted-sentence" }, t(calendarDays ? "clocks.sentence_calendar" : "clocks.sentence_working", {
          days: e.days ?? k.days,
          day_zero: formatDate(e.day_zero || k.started_at),
          due: formatDateTime(k.due_at, k.time_zone),
        })),
        facts([
          [t("clocks.counted_from"), e.counted_from ? formatDateTime(e.counted_from, k.time_zone, k.due_at) : null],
          [t("clocks.length"), t("clocks.explain", { days: e.days ?? k.days, unit: label("unit", e.unit || k.unit) })],
          [t("clocks.calendar"), k.calendar_name || k.calendar],
          [t("clocks.policy"), k.policy_name || t("clocks.policy_default")],
          [t("clocks.consequence"), k.consequence],
        ]),
        calendarDays ? null
          : skipped.length ? [h("p", {}, t("clocks.skipped_heading")), h("ul", {}, skipped.map((d) => h("li", {}, formatDate(d.date), " — ", d.reason || d.kind || "",
            d.estimated ? ` (${t("clocks.estimated")})` : "")))] : h("p", { class: "hint" }, t("clocks.no_skipped")));
      }));
  }

  function commentForm(c) {
    const errs = errorBox();
    const f = h("form", { novalidate: true }, errs,
      field({ label: t("comment.body"), name: "body", type: "textarea", required: true }).wrap,
      can("complaints.comment_internal") ? choice({ type: "checkbox", name: "internal", value: "1", label: t("comment.internal") }) : null,
      h("button", { type: "submit" }, t("comment.submit")));
    f.addEventListener("submit", async (event) => {
      event.preventDefault();
      const problem = checkControls(f);
      if (problem) { showFieldErrors(f, errs, problem); return; }
      const v = formValues(f);
      try {
        await call("addComplaintComment", { path: { complaint_id: c.id }, body: { body: v.body, visibility: v.internal ? "internal" : "public" } });
        announce(t("comment.done"));
        await load();
      } catch (error) { showError(errs, error); }
    });
    return h("section", { "aria-labelledby": "comment-h" }, h("h2", { id: "comment-h" }, t("comment.heading")), f);
  }

  try { await load(); } catch (error) {
    const box = errorBox();
    body.append(h("h1", {}, t("complaint.heading")), box);
    showError(box, error);
  }
}
