// Citizen self-registration, then logged in straight away.
import { call } from "../api.js";
import { checkControls, errorBox, field, formValues, h, keptErrors, showError, showFieldErrors } from "../dom.js";
import { t } from "../i18n.js";
import { navigate } from "../router.js";
import { login } from "../session.js";

export default function register(main) {
  const errors = errorBox();
  const form = h("form", { novalidate: true }, errors,
    field({ label: t("identity.name"), name: "full_name", required: true, attrs: { autocomplete: "name" } }).wrap,
    field({ label: t("login.email"), name: "email", type: "email", required: true, attrs: { autocomplete: "email" } }).wrap,
    field({ label: t("identity.phone"), name: "phone", type: "tel", attrs: { autocomplete: "tel" } }).wrap,
    field({ label: t("login.password"), name: "password", type: "password", required: true, hint: t("register.password_hint"), attrs: { autocomplete: "new-password", minlength: 8 } }).wrap,
    h("button", { type: "submit" }, t("register.submit")));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const problem = checkControls(form);
    if (problem) { showFieldErrors(form, errors, problem); return; }
    const v = formValues(form);
    try {
      await call("register", { body: { full_name: v.full_name, email: v.email, phone: v.phone, password: form.elements.password.value } });
      await login(v.email, form.elements.password.value);
      await navigate("/saya");
    } catch (error) { showError(errors, error); }
  });
  main.append(h("h1", {}, t("register.heading")), h("p", {}, t("register.intro")), form);
  return keptErrors(form, errors);
}
