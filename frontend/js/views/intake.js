// Staff-assisted intake (walk-in, telephone, letter, WhatsApp) with the time really received.
import { call } from "../api.js";
import { checkControls, choice, errorBox, field, formValues, h, keptErrors, localIso, showError, showFieldErrors } from "../dom.js";
import { t } from "../i18n.js";
import { navigate } from "../router.js";
import { can, currentUser } from "../session.js";
import { store } from "../store.js";
import {
  complaintBody, identityFields, idempotencyKey, loadLookups,
  locationFields, privacyChoices, reportTypeAndCategory, whatHappened,
} from "./complaint-fields.js";
import { label } from "./labels.js";

const CHANNELS = ["walk_in", "telephone", "letter", "whatsapp"];

export default async function intake(main) {
  main.append(h("h1", {}, t("intake.heading")));
  if (!currentUser() || !can("complaints.record_intake")) {
    main.append(h("p", {}, t("auth.staff_needed"), " ", h("a", { href: "/masuk?lanjut=/staf/input", "data-link": true }, t("nav.login"))));
    return;
  }
  const { categories, areas } = await loadLookups();
  const errors = errorBox();
  const form = h("form", { novalidate: true }, errors,
    h("fieldset", {}, h("legend", {}, t("intake.channel_title")),
      field({ label: t("intake.channel"), name: "channel", type: "select", required: true, options: CHANNELS.map((c) => [c, label("channel", c)]) }).wrap,
      field({ label: t("intake.received_at"), name: "received_at", type: "datetime-local", required: true, hint: t("intake.received_hint") }).wrap),
    h("fieldset", {}, h("legend", {}, t("step.type")), reportTypeAndCategory(categories)),
    h("fieldset", {}, h("legend", {}, t("step.what")), whatHappened()),
    privacyChoices(),
    h("fieldset", {}, h("legend", {}, t("step.identity")), h("p", { class: "hint" }, t("intake.identity_hint")), identityFields()),
    h("fieldset", {}, h("legend", {}, t("step.location")), locationFields(areas)),
    h("fieldset", {}, h("legend", {}, t("file.consent_title")),
      choice({ type: "checkbox", name: "consent", value: "1", label: t("intake.consent"), hint: t("file.consent_hint"), required: true })),
    h("button", { type: "submit" }, t("intake.submit")));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const v = formValues(form);
    const anonymous = v.privacy === "anonymous";
    const nameInput = form.elements.name;
    nameInput.required = !anonymous;
    const problem = checkControls(form);
    if (problem) { showFieldErrors(form, errors, problem); return; }
    try {
      const payload = { ...complaintBody(v), channel: v.channel, received_at: localIso(v.received_at) };
      const { data } = await call("createComplaint", { body: payload, headers: { "Idempotency-Key": idempotencyKey() } });
      const category = categories.find((c) => c.code === data.category);
      // the citizen's contacts go with the receipt (memory only: staff desks are shared), so the
      // officer can hand it over on the channel the citizen came by
      store.receipt = { ...data, categoryName: category && category.name, handOver: { phone: v.phone || "", email: v.email || "" } };
      await navigate("/tanda-terima");
    } catch (error) { showError(errors, error); }
  });
  main.append(h("p", {}, t("intake.intro")), form);
  return keptErrors(form, errors);
}
