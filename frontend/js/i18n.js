// Message catalogues (Indonesian by default, English by a switch), and Intl formatting of times
// in the zone the API gives them in.
const LANGS = ["id", "en"];
let lang = "id";
let messages = {};

function stored() {
  try { return localStorage.getItem("aduan-lang"); } catch { return null; }
}

export function currentLang() { return lang; }

/** Load the catalogue of the saved language (Indonesian unless English was chosen). */
export async function loadLang(next = stored() || "id") {
  lang = LANGS.includes(next) ? next : "id";
  const response = await fetch(`/assets/i18n/${lang}.json`);
  messages = await response.json();
  document.documentElement.lang = lang;
  try { localStorage.setItem("aduan-lang", lang); } catch { /* private mode: keep in memory */ }
  return lang;
}

/** A message by key, with {name} placeholders filled; the key itself when missing. */
export function t(key, params = {}) {
  const text = messages[key];
  if (text === undefined) return key;
  return text.replace(/\{(\w+)\}/g, (_, name) => (params[name] === undefined ? "" : String(params[name])));
}

/** Whether the catalogue has a key (dynamic keys such as statuses fall back to the raw value). */
export function tOr(key, fallback) {
  return messages[key] === undefined ? fallback : messages[key];
}

function locale() { return lang === "id" ? "id-ID" : "en-GB"; }

/** The UTC offset an ISO 8601 time carries ("+08:00"), which Intl takes as a time zone. */
function offsetOf(iso) {
  const m = /([+-]\d{2}:\d{2}|Z)$/.exec(iso);
  return m && m[1] !== "Z" ? m[1] : "UTC";
}

/** A time as the API gives it, in its own zone, named, e.g. "28 Nov 2026, 14.30 WIB".
 * The API shows each time in the zone of the agency that counts it and says which
 * (`time_zone`: WIB, WITA or WIT); the clock on the wall there is the offset in the string. */
export function formatDateTime(iso, zone, like = iso) {
  if (!iso) return "";
  // `like`: a time of the same object whose offset to show `iso` in (explanations are in UTC)
  const text = new Intl.DateTimeFormat(locale(), { dateStyle: "medium", timeStyle: "short", timeZone: offsetOf(like) }).format(new Date(iso));
  return zone ? `${text} ${zone}` : text;
}

/** A calendar date (YYYY-MM-DD), as it is written: no zone moves it. */
export function formatDate(value) {
  if (!value) return "";
  const d = /^\d{4}-\d{2}-\d{2}$/.test(value) ? new Date(`${value}T12:00:00Z`) : new Date(value);
  return new Intl.DateTimeFormat(locale(), { dateStyle: "long", timeZone: /^\d{4}-\d{2}-\d{2}$/.test(value) ? "UTC" : offsetOf(value) }).format(d);
}

export function formatNumber(n, options = {}) {
  return new Intl.NumberFormat(locale(), options).format(n);
}

/** Whole days from now until `iso` (negative when past), counted on the calendar days of the
 * zone the time is given in (its offset). */
export function daysLeft(iso, now = new Date()) {
  const zone = offsetOf(iso);
  const day = (d) => new Intl.DateTimeFormat("en-CA", { timeZone: zone }).format(d);
  const a = Date.parse(`${day(now)}T00:00:00Z`);
  const b = Date.parse(`${day(new Date(iso))}T00:00:00Z`);
  return Math.round((b - a) / 86400000);
}

/** Fill elements of the static shell that carry data-i18n / data-i18n-aria. */
export function translateShell(root = document) {
  for (const el of root.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll("[data-i18n-aria]")) el.setAttribute("aria-label", t(el.dataset.i18nAria));
  document.title = t("app.name");
  const other = document.getElementById("lang-switch");
  if (other) other.setAttribute("lang", lang === "id" ? "en" : "id"); // named in its own language
}
