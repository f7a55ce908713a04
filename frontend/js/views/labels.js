// Labels of values that come from the API (statuses, actions, clocks): catalogue or raw value.
import { h, tableWrap } from "../dom.js";
import { daysLeft, formatDateTime, t, tOr } from "../i18n.js";

export const label = (group, value) => (value ? tOr(`${group}.${value}`, value) : "–");

/** A table of legal clocks: kind, state, deadline (local time, named), days left, explanation. */
export function clocksTable(clocks) {
  if (!clocks || !clocks.length) return h("p", {}, t("clocks.none"));
  return tableWrap(h("table", {},
    h("caption", {}, t("clocks.caption")),
    h("thead", {}, h("tr", {}, ["clocks.kind", "clocks.state", "clocks.due", "clocks.left"].map((k) => h("th", { scope: "col" }, t(k))))),
    h("tbody", {}, clocks.map((c) => {
      const running = !c.stopped_at && c.state !== "stopped";
      const left = c.due_at ? daysLeft(c.due_at) : null;
      let leftText = "–";
      if (running && left !== null) leftText = left >= 0 ? t("clocks.days_left", { n: left }) : t("clocks.days_over", { n: -left });
      return h("tr", {},
        h("td", {}, h("strong", {}, label("clock", c.kind)), h("br"),
          h("span", { class: "hint" }, t("clocks.explain", { days: c.days ?? "", unit: label("unit", c.unit) }), " ", tOr(`clockhelp.${c.kind}`, ""))),
        h("td", {}, label("clockstate", c.state), c.breached_at ? [" ", h("span", { class: "badge overdue" }, t("queue.overdue"))] : null),
        h("td", {}, formatDateTime(c.due_at, c.time_zone)),
        h("td", {}, leftText));
    }))));
}

/** Who acted, in words: staff and partner apps by name, the complainant and the system by role. */
function actorOf(e) {
  if (e.actor_kind === "complainant") return t("actor.complainant");
  if (e.actor_kind === "system") return t("actor.system");
  return e.actor_label || t("actor.staff");
}

/** One sentence of who did what: "Budi memverifikasi berkas dan meneruskannya ke Dinas ...". */
function whatHappened(e, agencyName) {
  const d = e.data || {};
  const what = e.action || e.kind;
  const values = {
    who: actorOf(e),
    agency: agencyName(d.agency),
    from: agencyName(d.from_agency),
    to: agencyName(d.to_agency),
    officer: d.officer,
    channel: d.delivery_channel ? label("channel", d.delivery_channel) : null,
    ground: d.resolution_code ? label("resolution", d.resolution_code) : null,
  };
  // a sentence whose details are all known (staff's own wording first, where it differs), else
  // its short form (no agency named, say)
  const key = tOr(`done.${what}_${e.actor_kind}`, null) !== null ? `done.${what}_${e.actor_kind}` : `done.${what}`;
  const full = tOr(key, null);
  const needs = full ? [...full.matchAll(/\{(\w+)\}/g)].map((m) => m[1]) : [];
  if (full && needs.every((k) => values[k])) return t(key, values);
  if (tOr(`done.${what}_short`, null)) return t(`done.${what}_short`, values);
  return e.action ? label("action", e.action) : label("event", e.kind);
}

/** The timeline, oldest first; `agencyName` turns an agency's code into its name. */
export function timelineList(events, agencyName = () => null) {
  if (!events || !events.length) return h("p", {}, t("timeline.none"));
  return h("ol", { class: "timeline" }, events.map((e) => h("li", {},
    h("strong", {}, formatDateTime(e.occurred_at, e.time_zone)), " — ",
    whatHappened(e, agencyName),
    e.to_status && e.to_status !== e.from_status ? ` ${t("timeline.now", { status: label("status", e.to_status) })}` : "",
    e.reason ? h("div", {}, `${t("timeline.reason")}: `, e.reason) : null,
    e.body ? h("div", {}, e.body) : null,
    e.data && e.data.decision ? h("div", {}, `${t("timeline.decision")}: `, e.data.decision) : null)));
}

/** A definition list of [label, value] pairs, skipping empty values. */
export function facts(pairs) {
  return h("dl", { class: "facts" }, pairs.filter(([, v]) => v !== undefined && v !== null && v !== "")
    .map(([k, v]) => [h("dt", {}, k), h("dd", {}, v)]));
}
