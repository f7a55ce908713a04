// Building DOM: text always goes in through textContent, never as HTML.
import { t } from "./i18n.js";

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

/** A labelled form control with an optional hint; returns {wrap, input}. */
export function field({ label, name, type = "text", required = false, hint, options, value, attrs = {} }) {
  const id = nextId(name);
  const hintId = hint ? `${id}-hint` : undefined;
  let input;
  if (type === "textarea") input = h("textarea", { id, name, required, "aria-describedby": hintId, ...attrs });
  else if (type === "select") {
    input = h("select", { id, name, required, "aria-describedby": hintId, ...attrs },
      (options || []).map(([v, text]) => h("option", { value: v }, text)));
  } else input = h("input", { id, name, type, required, "aria-describedby": hintId, ...attrs });
  if (value !== undefined && value !== null) input.value = value;
  const wrap = h("div", { class: "field" },
    h("label", { for: id }, label, required ? h("span", { class: "req", "aria-hidden": "true" }, ` (${t("form.required")})`) : null),
    hint ? h("p", { class: "hint", id: hintId }, hint) : null,
    input);
  return { wrap, input };
}

/** A radio or checkbox with its label (and optional explanation). */
export function choice({ type = "radio", name, value, label, hint, checked = false }) {
  const id = nextId(name);
  const hintId = hint ? `${id}-hint` : undefined;
  const input = h("input", { type, id, name, value, checked, "aria-describedby": hintId });
  return h("div", { class: "choice" }, input,
    h("div", {}, h("label", { for: id }, label), hint ? h("p", { class: "hint", id: hintId }, hint) : null));
}

/** Show an API or form error in `box` (role=alert) with the field errors listed. */
export function showError(box, error) {
  box.replaceChildren();
  box.hidden = false;
  const problem = (error && error.problem) || {};
  box.append(h("p", {}, h("strong", {}, problem.title || t("error.title")), " ", problem.detail || (error && error.message) || ""));
  const fields = flattenErrors(problem.errors);
  if (fields.length) box.append(h("ul", {}, fields.map((line) => h("li", {}, line))));
  box.focus();
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
