// Building DOM: text always goes in through textContent, never as HTML.
import { currentLang, formatNumber, t, tOr } from "./i18n.js";

/** h("p", {class: "x"}, "text", child) -> element; strings become text nodes. */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on") && typeof value === "function") el.addEventListener(key.slice(2), value);
    else if (key === "class") el.className = value;
    else if (key === "text") el.textContent = value;
    else if (key in el && typeof value !== "string") el[key] = value;
    else el.setAttribute(key, value === true ? "" : String(value));
  }
  append(el, children);
  return el;
}

/** Replace an element's children (arrays flattened, null skipped, strings as text). */
export function fill(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

let uid = 0;
export function nextId(prefix = "f") { uid += 1; return `${prefix}-${uid}`; }

/** A labelled form control with an optional hint; returns {wrap, input}. `path` is the API
 * field it fills (dotted, e.g. complainant.name; its name unless given): a problem's message
 * about that field is shown next to it. */
export function field({ label, name, path = name, type = "text", required = false, hint, options, value, attrs = {} }) {
  const id = nextId(name);
  const hintId = hint ? `${id}-hint` : undefined;
  const common = { id, name, required, "aria-describedby": hintId, "data-field": path, ...attrs };
  let input;
  if (type === "textarea") input = h("textarea", common);
  else if (type === "select") input = h("select", common, (options || []).map(([v, text]) => h("option", { value: v }, text)));
  else input = h("input", { ...common, type });
  if (value !== undefined && value !== null) input.value = value;
  const wrap = h("div", { class: "field" },
    h("label", { for: id }, label, required ? h("span", { class: "req", "aria-hidden": "true" }, ` (${t("form.required")})`) : null),
    hint ? h("p", { class: "hint", id: hintId }, hint) : null,
    input);
  return { wrap, input };
}

/** A radio or checkbox with its label (and optional explanation). */
export function choice({ type = "radio", name, path = name, value, label, hint, checked = false, required = false }) {
  const id = nextId(name);
  const hintId = hint ? `${id}-hint` : undefined;
  const input = h("input", { type, id, name, value, checked, required, "aria-describedby": hintId, "data-field": type === "checkbox" ? path : undefined });
  return h("div", { class: "choice" }, input,
    h("div", {}, h("label", { for: id }, label), hint ? h("p", { class: "hint", id: hintId }, hint) : null));
}

/** Show an API or form error in `box` (role=alert). A problem with field messages is shown
 * next to its fields (showFieldErrors) when `box` is in their form. */
export function showError(box, error, options = {}) {
  const problem = (error && error.problem) || {};
  const form = box.closest("form");
  if (form && problem.messages && Object.keys(problem.messages).length) return showFieldErrors(form, box, problem, options);
  if (form) clearFieldErrors(form);
  box.replaceChildren();
  box.hidden = false;
  box.append(h("p", {}, h("strong", {}, problem.title || t("error.title")), " ", problem.detail || (error && error.message) || ""));
  const fields = flattenErrors(problem.errors);
  if (fields.length) box.append(h("ul", {}, fields.map((line) => h("li", {}, line))));
  box.focus();
  return null;
}

function flattenErrors(errors, prefix = "") {
  const lines = [];
  if (!errors || typeof errors !== "object") return lines;
  for (const [key, value] of Object.entries(errors)) {
    const name = prefix ? `${prefix}.${key}` : key;
    if (Array.isArray(value)) lines.push(`${name}: ${value.join(" ")}`);
    else if (typeof value === "object") lines.push(...flattenErrors(value, name));
    else lines.push(`${name}: ${value}`);
  }
  return lines;
}

/** The text of a control's label, without the "(wajib)" mark. */
export function labelOf(el) {
  const lab = el.id && document.querySelector(`label[for="${el.id}"]`);
  return lab ? lab.firstChild.textContent : el.name;
}

/** A field message in the page's language: the API's {id, en}, or a check of this page
 * ({key, params}) told from the same catalogue the API's come from (field_error.*). */
function messageText(path, message, control) {
  if (message.key) {
    const params = { label: control ? labelOf(control) : path };
    for (const [name, value] of Object.entries(message.params || {})) params[name] = typeof value === "number" ? formatNumber(value) : value;
    const own = tOr(`field_error.${message.key}.${path}`, null);
    return own ? t(`field_error.${message.key}.${path}`, params) : t(`field_error.${message.key}`, params);
  }
  return message[currentLang()] || message.id || message.en || "";
}

/** The browser's own checks of the controls in `scope` (required, lengths, e-mail, pattern):
 * a problem with a message per invalid field, or null when all are valid. */
export function checkControls(scope) {
  const messages = {};
  for (const el of scope.querySelectorAll("input, select, textarea")) {
    if (el.closest("[hidden]") || !el.willValidate || el.checkValidity()) continue;
    const path = el.dataset.field || el.name;
    if (!messages[path]) messages[path] = validityMessage(el);
  }
  return Object.keys(messages).length ? { local: true, messages } : null;
}

function validityMessage(el) {
  const v = el.validity;
  const min = el.minLength > 0 ? el.minLength : null;
  const max = el.maxLength > 0 ? el.maxLength : null;
  if (v.valueMissing) return { key: el.type === "checkbox" ? "consent_required" : "required" };
  if (v.tooShort || v.tooLong) {
    if (min !== null && max !== null) return { key: "length_between", params: { min, max } };
    return v.tooShort ? { key: "length_min", params: { min } } : { key: "length_max", params: { max } };
  }
  if (v.typeMismatch && el.type === "email") return { key: "email" };
  if (v.patternMismatch) return { key: "pattern" };
  if (v.rangeUnderflow) return { key: "range_min", params: { min: el.min } };
  if (v.rangeOverflow) return { key: "range_max", params: { max: el.max } };
  return { key: "invalid" };
}

/** Take every field message out of `form` (and their marks on the controls). */
export function clearFieldErrors(form) {
  for (const note of form.querySelectorAll(".field-error")) note.remove();
  for (const el of form.querySelectorAll("[aria-invalid]")) {
    el.removeAttribute("aria-invalid");
    describe(el, null);
  }
  form.lastProblem = null;
}

/** Point a control's aria-describedby at its hint and, when given, its message. */
function describe(el, errorId) {
  const ids = (el.getAttribute("aria-describedby") || "").split(" ").filter((id) => id && !id.endsWith("-error"));
  if (errorId) ids.unshift(errorId);
  if (ids.length) el.setAttribute("aria-describedby", ids.join(" "));
  else el.removeAttribute("aria-describedby");
}

/**
 * Show `problem`'s field messages next to their controls in `form` (aria-invalid, the message's
 * id in aria-describedby), a summary linking to them in `box`, and focus the first; each message
 * goes when its field is changed. `reveal(control)` shows a control that is hidden (a step of the
 * form) before it is focused; `focus: false` leaves the focus where it is (a language switch).
 * Returns the first invalid control, or null.
 */
export function showFieldErrors(form, box, problem, { reveal, focus = true } = {}) {
  clearFieldErrors(form);
  form.lastProblem = problem;
  const items = [];
  let first = null;
  for (const [path, message] of Object.entries(problem.messages || {})) {
    const el = form.querySelector(`[data-field="${CSS.escape(path)}"]`);
    const text = messageText(path, message, el);
    if (!el) { items.push(h("li", {}, text)); continue; }
    const errorId = `${el.id}-error`;
    const note = h("p", { class: "field-error", id: errorId }, text);
    const wrap = el.closest(".field, .choice");
    if (wrap && wrap.classList.contains("choice")) wrap.before(note);
    else el.before(note);
    el.setAttribute("aria-invalid", "true");
    describe(el, errorId);
    const item = h("li", {}, h("a", { href: `#${el.id}`, onclick: (event) => { event.preventDefault(); if (reveal) reveal(el); el.focus(); } }, text));
    items.push(item);
    first = first || el;
    const corrected = () => {
      note.remove();
      el.removeAttribute("aria-invalid");
      describe(el, null);
      item.remove();
      if (!box.querySelector("li")) box.hidden = true;
    };
    el.addEventListener("input", corrected, { once: true });
    el.addEventListener("change", corrected, { once: true });
  }
  // the heading is the page's own: a language switch shows the same problem in the other language
  box.replaceChildren(
    h("p", {}, h("strong", {}, t("field_error.summary", { n: items.length }))),
    h("ul", {}, items));
  box.hidden = false;
  if (first && reveal) reveal(first);
  if (focus) (first || box).focus();
  return first;
}

/** What a language switch keeps of a form's errors, and how it shows them again. */
export function keptErrors(form, box, options = {}) {
  return {
    state: () => ({ problem: form.lastProblem }),
    restore: (state) => { if (state && state.problem) showFieldErrors(form, box, state.problem, { ...options, focus: false }); },
  };
}

export function errorBox() {
  return h("div", { class: "error", role: "alert", tabindex: "-1", hidden: true });
}

/** Read a form's named controls into an object (empty strings become undefined). */
export function formValues(form) {
  const out = {};
  for (const el of form.elements) {
    if (!el.name || el.disabled) continue;
    if (el.type === "radio") { if (el.checked) out[el.name] = el.value; continue; }
    if (el.type === "checkbox") { out[el.name] = el.checked; continue; }
    if (el.type === "file") continue;
    const v = el.value.trim();
    out[el.name] = v === "" ? undefined : v;
  }
  return out;
}

export function announce(text) {
  const live = document.getElementById("announcer");
  if (live) { live.textContent = ""; setTimeout(() => { live.textContent = text; }, 50); }
}

/** Turn a datetime-local value, read on this device's clock (the desk's own zone), into ISO 8601
 * with that zone's offset. */
export function localIso(local) {
  if (!local) return undefined;
  const stamp = local.length === 16 ? `${local}:00` : local;
  const minutes = -new Date(stamp).getTimezoneOffset();
  const sign = minutes < 0 ? "-" : "+";
  const pad = (n) => String(Math.floor(Math.abs(n))).padStart(2, "0");
  return `${stamp}${sign}${pad(minutes / 60)}:${pad(minutes % 60)}`;
}

/** A table in a keyboard-scrollable region named by the table's caption. Each body cell carries
 * its column's heading as `data-label`, which narrow screens show when rows become cards. */
export function tableWrap(table) {
  const caption = table.querySelector("caption");
  const headings = [...table.querySelectorAll("thead th")].map((th) => th.textContent);
  for (const row of table.querySelectorAll("tbody tr")) {
    [...row.cells].forEach((cell, i) => { if (headings[i]) cell.dataset.label = headings[i]; });
  }
  return h("div", { class: "table-wrap", tabindex: "0", role: "region", "aria-label": caption ? caption.textContent : t("table.scroll") }, table);
}
