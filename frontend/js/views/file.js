// The citizen files a complaint step by step, then sees the receipt (tanda terima).
import { call } from "../api.js";
import { fileOrKeep, restoreDraft } from "../offline.js";
import { announce, checkControls, choice, errorBox, field, formValues, h, showError, showFieldErrors } from "../dom.js";
import { t } from "../i18n.js";
import { navigate } from "../router.js";
import { currentUser } from "../session.js";
import { keepReceipt } from "../store.js";
import {
  complaintBody, identityFields, idempotencyKey, loadLookups,
  locationFields, privacyChoices, reportTypeAndCategory, whatHappened,
} from "./complaint-fields.js";

export default async function file(main, ctx) {
  const { categories, areas } = await loadLookups();
  const errors = errorBox();
  const files = field({ label: t("file.attachments"), name: "attachments", type: "file", hint: t("file.attachments_hint"),
    attrs: { multiple: true, accept: "image/jpeg,image/png,image/webp,application/pdf" } });
  const steps = [
    ["step.type", reportTypeAndCategory(categories)],
    ["step.what", whatHappened()],
    ["step.privacy", [privacyChoices()]],
    ["step.identity", [h("p", { class: "hint" }, t("identity.why")), ...identityFields(currentUser() || {})]],
    ["step.location", [h("p", { class: "hint" }, t("location.why")), ...locationFields(areas)]],
    ["step.evidence", [files.wrap,
      h("fieldset", {}, h("legend", {}, t("file.consent_title")),
        choice({ type: "checkbox", name: "consent", value: "1", label: t("file.consent"), hint: t("file.consent_hint"), required: true }))]],
  ];
  const sections = steps.map(([key, content], i) => h("section", { class: "step", "data-step": i, "aria-labelledby": `step-h-${i}`, hidden: i > 0 },
    h("h2", { id: `step-h-${i}`, tabindex: "-1" }, t(key)), content));
  const progress = h("p", { class: "progress", "aria-live": "polite" });
  const back = h("button", { type: "button", class: "secondary" }, t("form.back"));
  const next = h("button", { type: "button" }, t("form.next"));
  const submit = h("button", { type: "submit" }, t("file.submit"));
  const form = h("form", { novalidate: true }, progress, errors, sections, h("div", { class: "actions" }, back, next, submit));
  let current = 0;

  const isAnonymous = () => (form.querySelector("input[name=privacy]:checked") || {}).value === "anonymous";
  const visible = (i) => !(i === 3 && isAnonymous()); // no identity for anonymous filing

  function show(i, focus = true) {
    current = i;
    sections.forEach((s, k) => { s.hidden = k !== i; });
    const shown = steps.map((_, k) => k).filter(visible);
    progress.textContent = t("file.progress", { n: shown.indexOf(i) + 1, total: shown.length });
    back.hidden = i === 0;
    next.hidden = i === steps.length - 1;
    submit.hidden = i !== steps.length - 1;
    if (focus) sections[i].querySelector("h2").focus();
  }

  /** Show the step holding a control that a message is about. */
  function reveal(el) {
    const i = sections.findIndex((s) => s.contains(el));
    if (i >= 0 && i !== current) show(i, false);
  }

  function validStep() {
    const problem = checkControls(sections[current]);
    if (!problem) { errors.hidden = true; return true; }
    showFieldErrors(form, errors, problem, { reveal });
    return false;
  }

  function forward() {
    if (!validStep()) return;
    let i = current + 1;
    while (!visible(i)) i += 1;
    show(i);
  }

  next.addEventListener("click", forward);
  back.addEventListener("click", () => {
    let i = current - 1;
    while (!visible(i)) i -= 1;
    errors.hidden = true;
    show(i);
  });

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    // Enter in a field of an earlier step means "next", never "send"
    if (current !== steps.length - 1) { forward(); return; }
    if (!validStep()) return;
    const values = formValues(form);
    submit.disabled = true;
    try {
      const chosen = categories.find((c) => c.code === values.category);
      // no connection: kept on the phone and sent later with the same key (offline.js)
      const filed = await fileOrKeep({ body: complaintBody(values), key: idempotencyKey(), values,
        files: [...files.input.files], categoryName: chosen && chosen.name, replaces: draft });
      if (filed.kept) { await navigate("/tersimpan"); return; }
      const { data } = filed;
      const failed = [];
      for (const f of files.input.files) {
        try { await call("uploadTrackedAttachment", { form: { code: data.tracking_code, pin: data.pin, file: f } }); }
        catch { failed.push(f.name); }
      }
      const category = categories.find((c) => c.code === data.category);
      keepReceipt({ ...data, categoryName: category && category.name, failedUploads: failed });
      announce(t("receipt.announce"));
      await navigate("/tanda-terima");
    } catch (error) {
      showError(errors, error, { reveal });
    } finally {
      submit.disabled = false;
    }
  });

  main.append(h("h1", {}, t("file.heading")), h("p", {}, t("file.intro")), form);
  show(0, false);
  // a kept complaint the server refused comes back here with its messages
  const draft = await restoreDraft(ctx && ctx.query.get("draft"), { form, fileInput: files.input,
    showProblem: (problem) => showFieldErrors(form, errors, problem, { reveal, focus: false }) });
  // a language switch redraws the view: it comes back on the same step with what was typed
  // and with the messages it showed, in the new language
  return {
    state: () => ({ step: current, problem: form.lastProblem }),
    restore: (state) => {
      if (!state) return;
      show(state.step, false);
      if (state.problem) showFieldErrors(form, errors, state.problem, { reveal, focus: false });
    },
  };
}
