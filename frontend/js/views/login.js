// Log in with the httpOnly-cookie session; staff go to the queue, citizens to their complaints.
import { checkControls, errorBox, field, h, keptErrors, showError, showFieldErrors } from "../dom.js";
import { t } from "../i18n.js";
import { navigate } from "../router.js";
import { can, login } from "../session.js";

export default function loginView(main, { query }) {
  const errors = errorBox();
  const email = field({ label: t("login.email"), name: "email", type: "email", required: true, attrs: { autocomplete: "username" } });
  const password = field({ label: t("login.password"), name: "password", type: "password", required: true, attrs: { autocomplete: "current-password" } });
  const form = h("form", { novalidate: true }, errors, email.wrap, password.wrap, h("button", { type: "submit" }, t("login.submit")));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const problem = checkControls(form);
    if (problem) { showFieldErrors(form, errors, problem); return; }
    try {
      await login(email.input.value.trim(), password.input.value);
      const next = query.get("lanjut");
      await navigate(next && next.startsWith("/") && !next.startsWith("//") ? next : can("complaints.queue") ? "/staf" : "/saya");
    } catch (error) { showError(errors, error); }
  });
  main.append(h("h1", {}, t("login.heading")), form,
    h("p", {}, t("login.no_account"), " ", h("a", { href: "/daftar", "data-link": true }, t("nav.register"))));
  return keptErrors(form, errors);
}
