// Follow a complaint with code and PIN: status, deadlines (local, named), timeline; reply, act.
import { call } from "../api.js";
import { announce, choice, errorBox, field, fill, formValues, h, showError } from "../dom.js";
import { formatDateTime, t } from "../i18n.js";
import { store } from "../store.js";
import { actionPanel } from "./confirm.js";
import { dataRightsSection } from "./data-requests.js";
import { clocksTable, facts, label, timelineList } from "./labels.js";
import { surveyForm } from "./survey.js";

// accepting or disputing the delivered decision: what the citizen is waited for, shown first
const DECISION_ACTIONS = ["close", "reopen"];
const OTHER_ACTIONS = ["withdraw"];

/** When the window to accept or dispute the decision ends, named in the agency's zone. */
function disputeWindowEnd(c) {
  return c.dispute_window_ends_at ? formatDateTime(c.dispute_window_ends_at, c.time_zone) : "";
}

/** When the citizen's running completion clock ends, named in the agency's zone. */
function completionDue(clocks) {
  const clock = (clocks || []).find((k) => k.kind === "completion" && !k.stopped_at && k.state !== "stopped");
  return clock ? formatDateTime(clock.due_at, clock.time_zone) : "";
}

export default function track(main, { query }) {
  const errors = errorBox();
  const code = field({ label: t("track.code"), name: "code", required: true, value: query.get("kode") || (store.tracking && store.tracking.code), attrs: { autocomplete: "off", minlength: 4, maxlength: 20 } });
  const pin = field({ label: t("track.pin"), name: "pin", type: "password", required: true, hint: t("track.pin_hint"), attrs: { inputmode: "numeric", pattern: "\\d{6}", autocomplete: "off", maxlength: 6 } });
  const result = h("div", { "aria-live": "polite" });
  const form = h("form", { novalidate: true }, errors, code.wrap, pin.wrap, h("button", { type: "submit" }, t("track.submit")));
  main.append(h("h1", {}, t("track.heading")), h("p", {}, t("track.intro")), form, result);

  async function load(creds) {
    const { data } = await call("trackComplaint", { body: creds });
    store.tracking = creds;
    draw(data, creds);
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const creds = { code: code.input.value.trim(), pin: pin.input.value.trim() };
    if (!creds.code || !/^\d{6}$/.test(creds.pin)) {
      showError(errors, { problem: { title: t("form.fix"), detail: t("track.pin_hint") } });
      return;
    }
    try { errors.hidden = true; await load(creds); showResult(); } catch (error) { showError(errors, error); }
  });

  /** Bring the result's heading, and what the citizen has to do under it, to the top of the screen. */
  function showResult() {
    const heading = result.querySelector("h2");
    heading.focus({ preventScroll: true });
    heading.scrollIntoView({ block: "start" });
  }

  /** A citizen's action with its reason and confirmation; the result is drawn anew. */
  function citizenAction(a, creds) {
    return actionPanel({
      title: label("action", a), danger: a === "withdraw", testid: `track-${a}`,
      fields: [field({ label: t("action.reason"), name: "reason", type: "textarea", required: a !== "close", hint: t(`track.help.${a}`) }).wrap],
      run: async (f) => {
        const { data } = await call("actOnTrackedComplaint", { body: { ...creds, action: a, reason: formValues(f).reason } });
        announce(t("action.done"));
        draw(data, creds);
        showResult();
      },
    });
  }

  /** What the citizen has to do now, with its deadline and the means to do it: complete the file
   * before the completion clock ends, or accept or dispute the delivered decision in its window. */
  function pendingAction(c, creds, incomplete) {
    const decisionActions = (c.allowed_actions || []).filter((a) => DECISION_ACTIONS.includes(a));
    if (!incomplete && !decisionActions.length) return null;
    const body = incomplete
      ? [h("p", { "data-testid": "todo-deadline" }, t("track.incomplete_notice", { due: completionDue(c.clocks) })), replyForm(creds, true)]
      : [h("p", { "data-testid": "todo-deadline" }, t("track.todo_decision", { due: disputeWindowEnd(c) })),
        facts([[t("complaint.decision"), h("span", { "data-testid": "decision" }, c.decision)]]),
        decisionActions.map((a) => citizenAction(a, creds))];
    return h("section", { class: "todo", "aria-labelledby": "track-todo", "data-testid": "track-todo" },
      h("h3", { id: "track-todo" }, t("track.todo_heading")), body);
  }

  /** A closed complaint's satisfaction survey (PermenPANRB 14/2017), answered once. */
  function survey(creds) {
    const box = h("section", { "data-testid": "track-survey" });
    surveyForm(box, creds).catch(() => fill(box));
    return box;
  }

  function draw(c, creds) {
    const actions = (c.allowed_actions || []).filter((a) => OTHER_ACTIONS.includes(a));
    const incomplete = (c.allowed_actions || []).includes("complete_info");
    const todo = pendingAction(c, creds, incomplete);
    fill(result,
      h("h2", { tabindex: "-1" }, t("track.result", { code: c.tracking_code })),
      todo,
      facts([
        [t("complaint.status"), h("strong", { "data-testid": "status" }, label("status", c.status))],
        [t("complaint.title"), c.title],
        [t("complaint.description"), c.description],
        [t("complaint.category"), c.category_name || c.category],
        [t("complaint.agency"), c.agency_name || c.agency],
        // a decision waiting to be accepted or disputed is shown with those buttons, above
        [t("complaint.decision"), c.decision && !todo ? h("span", { "data-testid": "decision" }, c.decision) : null],
        // the ground of a rejection, in words (issue 14, item 9)
        [t("track.rejection_ground"), c.status === "rejected" && c.resolution_code ? h("span", { "data-testid": "rejection-ground" }, label("resolution", c.resolution_code)) : null],
        [t("track.referral"), c.status === "rejected" && c.referral ? h("span", { "data-testid": "referral" }, c.referral) : null],
      ]),
      c.status === "closed" ? survey(creds) : null,
      h("h3", {}, t("clocks.heading")), clocksTable(c.clocks),
      h("h3", {}, t("timeline.heading")), timelineList(c.timeline, (code) => (code && code === c.agency ? c.agency_name : null)),
      h("h3", { id: "track-files", tabindex: "-1" }, t("attachments.heading")),
      c.attachments && c.attachments.length ? h("ul", {}, c.attachments.map((a) => h("li", {}, a.filename))) : h("p", {}, t("attachments.none")),
      c.may_add_information && !incomplete ? h("section", { "aria-labelledby": "track-reply" },
        h("h3", { id: "track-reply" }, t("track.reply_heading")), replyForm(creds, false)) : null,
      c.may_add_information ? null : h("p", { class: "hint", "data-testid": "track-ended" }, t("track.ended", { status: label("status", c.status) })),
      c.may_add_information ? uploadForm(creds) : null,
      actions.length ? h("section", { "aria-labelledby": "track-actions" }, h("h3", { id: "track-actions" }, t("track.actions")),
        actions.map((a) => citizenAction(a, creds))) : null,
      dataRightsSection(creds),
    );
  }

  function replyForm(creds, incomplete) {
    const errs = errorBox();
    const message = field({ label: incomplete ? t("track.complete_message") : t("track.message"), name: "message", type: "textarea", required: true });
    const complete = incomplete ? choice({ type: "checkbox", name: "complete_info", value: "1", label: t("track.complete_info"), hint: t("track.complete_info_hint"), checked: true }) : null;
    const f = h("form", { novalidate: true }, errs, message.wrap, complete, h("button", { type: "submit" }, t("track.send")));
    f.addEventListener("submit", async (event) => {
      event.preventDefault();
      const v = formValues(f);
      if (!v.message) { showError(errs, { problem: { title: t("form.fix"), detail: t("track.message") } }); return; }
      try {
        const { data } = await call("replyToTrackedComplaint", { body: { ...creds, message: v.message, complete_info: Boolean(v.complete_info) } });
        announce(t("track.sent"));
        draw(data, creds);
        showResult();
      } catch (error) { showError(errs, error); }
    });
    return f;
  }

  function uploadForm(creds) {
    const errs = errorBox();
    const input = field({ label: t("file.attachments"), name: "file", type: "file", required: true, hint: t("file.attachments_hint"), attrs: { accept: "image/jpeg,image/png,image/webp,application/pdf" } });
    const f = h("form", { novalidate: true }, errs, input.wrap, h("button", { type: "submit" }, t("track.upload")));
    f.addEventListener("submit", async (event) => {
      event.preventDefault();
      const picked = input.input.files[0];
      if (!picked) { showError(errs, { problem: { title: t("form.fix"), detail: t("file.attachments") } }); return; }
      try {
        await call("uploadTrackedAttachment", { form: { ...creds, file: picked } });
        announce(t("track.uploaded"));
        await load(creds);
        result.querySelector("#track-files").focus(); // the list the new file appears in
      } catch (error) { showError(errs, error); }
    });
    return h("section", { "aria-labelledby": "track-upload" }, h("h3", { id: "track-upload" }, t("track.upload_heading")), f);
  }
}
