// Form parts shared by the citizen's step-by-step filing and the staff's assisted intake.
import { call } from "../api.js";
import { choice, field, h, localIso } from "../dom.js";
import { t } from "../i18n.js";

export const PRIVACY = ["private", "public", "confidential_identity", "anonymous"];
export const REPORT_TYPES = ["pengaduan", "aspirasi", "permintaan_informasi"];

export async function loadLookups() {
  const [categories, areas] = await Promise.all([call("listCategories"), call("listAreas")]);
  return { categories: categories.data.filter((c) => c.is_active !== false), areas: areas.data };
}

export function reportTypeAndCategory(categories) {
  const category = field({ label: t("file.category"), name: "category", type: "select", required: true,
    options: [["", t("form.choose")], ...categories.map((c) => [c.code, c.name])] });
  return [
    h("fieldset", {}, h("legend", {}, t("file.report_type")),
      REPORT_TYPES.map((v, i) => choice({ name: "report_type", value: v, label: t(`report_type.${v}`), hint: t(`report_type_help.${v}`), checked: i === 0 }))),
    category.wrap,
  ];
}

export function whatHappened() {
  return [
    field({ label: t("file.title_field"), name: "title", required: true, hint: t("file.title_hint"), attrs: { maxlength: 200, minlength: 3 } }).wrap,
    field({ label: t("file.description"), name: "description", type: "textarea", required: true, hint: t("file.description_hint"), attrs: { minlength: 10, maxlength: 10000 } }).wrap,
    field({ label: t("file.loss"), name: "loss_description", type: "textarea", hint: t("file.loss_hint") }).wrap,
    field({ label: t("file.remedy"), name: "remedy_requested", type: "textarea", hint: t("file.remedy_hint") }).wrap,
    field({ label: t("file.place"), name: "incident_place", hint: t("file.place_hint") }).wrap,
    field({ label: t("file.incident_at"), name: "incident_at", type: "datetime-local", hint: t("file.local_time_hint") }).wrap,
    field({ label: t("file.service_date"), name: "service_date", type: "date", hint: t("file.service_date_hint") }).wrap,
  ];
}

export function privacyChoices() {
  const showName = choice({ type: "checkbox", name: "show_name_publicly", value: "1", label: t("file.show_name"), hint: t("file.show_name_hint") });
  const fieldset = h("fieldset", {}, h("legend", {}, t("file.privacy")),
    PRIVACY.map((v, i) => choice({ name: "privacy", value: v, label: t(`privacy.${v}`), hint: t(`privacy_help.${v}`), checked: i === 0 })),
    showName);
  // a name can be shown only on a public complaint: the option is off and unticked otherwise
  const box = showName.querySelector("input");
  const follow = () => {
    const chosen = fieldset.querySelector("input[name=privacy]:checked");
    box.disabled = !chosen || chosen.value !== "public";
    if (box.disabled) box.checked = false;
  };
  fieldset.addEventListener("change", follow);
  follow();
  return fieldset;
}

export function identityFields(prefill = {}) {
  return [
    field({ label: t("identity.kind"), name: "kind", path: "complainant.kind", type: "select", options: [["person", t("identity.person")], ["group", t("identity.group")], ["organisation", t("identity.organisation")]] }).wrap,
    field({ label: t("identity.name"), name: "name", path: "complainant.name", required: true, value: prefill.full_name, attrs: { autocomplete: "name" } }).wrap,
    field({ label: t("identity.email"), name: "email", path: "complainant.email", type: "email", value: prefill.email, attrs: { autocomplete: "email" } }).wrap,
    field({ label: t("identity.phone"), name: "phone", path: "complainant.phone", type: "tel", value: prefill.phone, attrs: { autocomplete: "tel" } }).wrap,
    field({ label: t("identity.address"), name: "identity_address", path: "complainant.address", type: "textarea", hint: t("identity.address_hint") }).wrap,
  ];
}

export function locationFields(areas) {
  const kec = field({ label: t("location.kecamatan"), name: "kecamatan", type: "select",
    options: [["", t("form.choose")], ...areas.map((a) => [a.code, a.name])] });
  const kel = field({ label: t("location.kelurahan"), name: "kelurahan", type: "select", options: [["", t("form.choose_kecamatan_first")]] });
  kec.input.addEventListener("change", () => {
    const area = areas.find((a) => a.code === kec.input.value);
    kel.input.replaceChildren(h("option", { value: "" }, area ? t("form.choose") : t("form.choose_kecamatan_first")),
      ...(area ? area.kelurahan.map((k) => h("option", { value: k }, k)) : []));
  });
  return [kec.wrap, kel.wrap,
    field({ label: t("location.address"), name: "address", hint: t("location.address_hint") }).wrap];
}

/** The createComplaint body from a form's values (empty fields left out). */
export function complaintBody(v) {
  const body = {
    report_type: v.report_type, category: v.category, title: v.title, description: v.description,
    loss_description: v.loss_description, remedy_requested: v.remedy_requested,
    incident_place: v.incident_place, service_date: v.service_date,
    incident_at: localIso(v.incident_at),
    privacy: v.privacy, show_name_publicly: v.privacy === "public" && Boolean(v.show_name_publicly),
    kecamatan: v.kecamatan, kelurahan: v.kelurahan, address: v.address, consent: Boolean(v.consent),
  };
  if (v.privacy !== "anonymous" && v.name) {
    body.complainant = { kind: v.kind || "person", name: v.name, email: v.email, phone: v.phone, address: v.identity_address };
    for (const k of Object.keys(body.complainant)) if (body.complainant[k] === undefined) delete body.complainant[k];
  }
  for (const k of Object.keys(body)) if (body[k] === undefined) delete body[k];
  return body;
}

export function idempotencyKey() {
  if (crypto.randomUUID) return crypto.randomUUID();
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join("");
}
