// An action with a reason and a confirmation step (no blocking browser dialogs).
import { checkControls, errorBox, h, showError, showFieldErrors } from "../dom.js";
import { t } from "../i18n.js";

/**
 * A disclosure button that opens a small form: `fields` (elements), then "confirm" asks
 * once more before `run(formElement)` is called.
 */
export function actionPanel({ title, fields = [], run, danger = false, testid }) {
  const errors = errorBox();
  const panel = h("div", { class: "confirm", hidden: true, role: "group", "aria-label": title });
  const ask = h("p", { hidden: true }, h("strong", {}, t("confirm.question", { action: title })));
  const proceed = h("button", { type: "button", "data-testid": testid ? `${testid}-go` : undefined }, t("confirm.continue"));
  const yes = h("button", { type: "submit", class: danger ? "danger" : undefined, hidden: true, "data-testid": testid ? `${testid}-confirm` : undefined }, t("confirm.yes"));
  const cancel = h("button", { type: "button", class: "secondary" }, t("confirm.cancel"));
  const form = h("form", { novalidate: true }, errors, fields, ask, h("div", { class: "actions" }, proceed, yes, cancel));
  panel.append(h("h3", { tabindex: "-1" }, title), form);
  const open = h("button", { type: "button", class: "secondary", "aria-expanded": "false", "data-testid": testid }, title);
  const reset = () => { ask.hidden = true; yes.hidden = true; proceed.hidden = false; errors.hidden = true; };
  open.addEventListener("click", () => {
    panel.hidden = !panel.hidden;
    open.setAttribute("aria-expanded", String(!panel.hidden));
    reset();
    if (!panel.hidden) (form.querySelector("textarea, input, select") || panel.querySelector("h3")).focus();
  });
  proceed.addEventListener("click", () => {
    const problem = checkControls(form);
    if (problem) { showFieldErrors(form, errors, problem); return; }
    ask.hidden = false; yes.hidden = false; proceed.hidden = true; yes.focus();
  });
  const close = () => { panel.hidden = true; open.setAttribute("aria-expanded", "false"); reset(); open.focus(); };
  cancel.addEventListener("click", close);
  // Escape closes the open action and returns to its button, as a disclosure should
  panel.addEventListener("keydown", (event) => { if (event.key === "Escape") { event.preventDefault(); close(); } });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    yes.disabled = true;
    try { await run(form); } catch (error) { reset(); showError(errors, error); } finally { yes.disabled = false; }
  });
  return h("div", { class: "action" }, open, panel);
}
