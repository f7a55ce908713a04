// Webhooks (admins): subscribe a URL to events, see the secret once, rotate it, turn a
// subscription off and on, read the log of attempts and send a delivery again.
import { call, has } from "../api.js";
import { announce, choice, errorBox, field, formValues, h, keptErrors, showError, tableWrap } from "../dom.js";
import { formatDateTime, formatNumber, t } from "../i18n.js";
import { can, currentUser } from "../session.js";
import { label } from "./labels.js";

const EVENTS = ["complaint.filed", "complaint.status_changed", "clock.breached", "clock.escalated", "decision.delivered"];

/** The secret, shown this once, with how to use it. */
function secretNote(secret) {
  return h("div", { class: "notice", role: "status", "data-testid": "webhook-secret" },
    h("p", {}, h("strong", {}, t("webhooks.secret_once"))), h("p", {}, h("code", {}, secret)));
}

function attemptsTable(subscription, attempts, redeliver) {
  if (!attempts.length) return h("p", { "data-testid": "attempts-empty" }, t("webhooks.no_attempts"));
  return tableWrap(h("table", { "data-testid": "webhook-attempts" }, h("caption", {}, t("webhooks.attempts_caption", { url: subscription.url })),
    h("thead", {}, h("tr", {}, ["webhooks.attempted_at", "webhooks.result", "webhooks.latency", "webhooks.answer", "webhooks.action"].map((k) => h("th", { scope: "col" }, t(k))))),
    h("tbody", {}, attempts.map((a) => h("tr", {},
      h("td", {}, formatDateTime(a.attempted_at, a.time_zone)),
      h("td", {}, a.succeeded ? t("webhooks.ok", { code: a.status_code }) : t("webhooks.failed", { code: a.status_code ?? "–" })),
      h("td", {}, t("webhooks.ms", { n: formatNumber(a.latency_ms) })),
      h("td", {}, h("code", {}, a.response_excerpt || a.error || "")),
      h("td", {}, h("button", { type: "button", class: "secondary", onclick: () => redeliver(a.delivery_id) }, t("webhooks.redeliver"))))))));
}

export default async function webhooks(main) {
  main.append(h("h1", {}, t("webhooks.heading")));
  if (!currentUser() || !can("webhooks.manage")) {
    main.append(h("p", {}, t("auth.staff_needed"), " ", h("a", { href: "/masuk?lanjut=/admin/webhook", "data-link": true }, t("nav.login"))));
    return null;
  }
  if (!has("createWebhookSubscription")) {
    main.append(h("p", { class: "warning" }, t("webhooks.unavailable")));
    return null;
  }
  main.append(h("p", { class: "hint" }, t("webhooks.intro")));
  const shown = h("div", {});
  const list = h("section", { "aria-labelledby": "subs-h" });
  const log = h("section", { "aria-live": "polite" });
  const box = errorBox();
  const url = field({ label: t("field_label.webhook_url"), name: "url", type: "url", required: true, hint: t("webhooks.url_hint") });
  const events = h("fieldset", {}, h("legend", {}, t("field_label.webhook_event_types")),
    EVENTS.map((e) => choice({ type: "checkbox", name: `event:${e}`, path: "event_types", value: e, label: label("webhookevent", e), checked: true })));
  const form = h("form", { novalidate: true, "data-testid": "webhook-form" }, box, url.wrap, events,
    h("button", { type: "submit" }, t("webhooks.subscribe")));

  async function showLog(subscription) {
    const { data } = await call("listWebhookAttempts", { path: { subscription_id: subscription.id }, query: { per_page: 50 } });
    const redeliver = async (deliveryId) => {
      await call("redeliverWebhook", { path: { subscription_id: subscription.id, delivery_id: deliveryId } });
      announce(t("webhooks.redelivery_queued"));
      log.prepend(h("p", { role: "status", "data-testid": "redelivery-queued" }, t("webhooks.redelivery_queued")));
    };
    log.replaceChildren(h("h2", {}, t("webhooks.log")), attemptsTable(subscription, data.items, redeliver));
  }

  async function refresh() {
    const { data } = await call("listWebhookSubscriptions", { query: { per_page: 100 } });
    const rows = data.items.map((s) => h("tr", {},
      h("td", {}, h("code", {}, s.url)),
      h("td", {}, s.event_types.map((e) => label("webhookevent", e)).join(", ")),
      h("td", { "data-testid": "webhook-state" }, s.active ? t("webhooks.active")
        : t("webhooks.inactive", { reason: label("webhookreason", s.disabled_reason) })),
      h("td", {},
        h("button", { type: "button", class: "secondary", onclick: () => showLog(s) }, t("webhooks.show_log")), " ",
        h("button", { type: "button", class: "secondary", onclick: async () => {
          const { data: rotated } = await call("rotateWebhookSecret", { path: { subscription_id: s.id } });
          shown.replaceChildren(secretNote(rotated.secret), h("p", { class: "hint" }, t("webhooks.rotated")));
          announce(t("webhooks.rotated"));
        } }, t("webhooks.rotate")), " ",
        h("button", { type: "button", class: "secondary", onclick: async () => {
          await call("updateWebhookSubscription", { path: { subscription_id: s.id }, body: { active: !s.active } });
          await refresh();
        } }, s.active ? t("webhooks.turn_off") : t("webhooks.turn_on")))));
    list.replaceChildren(h("h2", { id: "subs-h" }, t("webhooks.list")),
      rows.length ? tableWrap(h("table", { "data-testid": "webhook-list" }, h("caption", {}, t("webhooks.list_caption")),
        h("thead", {}, h("tr", {}, ["field_label.webhook_url", "field_label.webhook_event_types", "webhooks.state", "webhooks.action"].map((k) => h("th", { scope: "col" }, t(k))))),
        h("tbody", {}, rows))) : h("p", { "data-testid": "webhook-none" }, t("webhooks.none")));
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const values = formValues(form);
    const body = { url: values.url, event_types: EVENTS.filter((e) => values[`event:${e}`]) };
    try {
      const { data } = await call("createWebhookSubscription", { body });
      form.reset();
      box.hidden = true;
      shown.replaceChildren(secretNote(data.secret));
      announce(t("webhooks.created"));
      await refresh();
    } catch (error) {
      showError(box, error);
    }
  });

  main.append(h("div", { class: "webhooks" }, h("h2", {}, t("webhooks.new")), form, shown, list, log));
  await refresh();
  return keptErrors(form, box);
}
