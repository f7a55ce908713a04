// The satisfaction survey (Survei Kepuasan Masyarakat, PermenPANRB 14/2017): the page an e-mailed
// link opens (/survei?token=...), and `surveyForm` for the tracking page (code and PIN).
import { call } from "../api.js";
import { announce, choice, errorBox, field, fill, h, showError } from "../dom.js";
import { currentLang, t } from "../i18n.js";

/** The regulation's wording in the page's language; in English the Indonesian original beside it. */
function wording(idText, enText) {
  return currentLang() === "id" ? idText : `${enText} (${idText})`;
}

function thanks(container, level) {
  const heading = h(level, { tabindex: "-1", "data-testid": "survey-thanks" }, t("survey.thanks_heading"));
  fill(container, heading, h("p", {}, t("survey.thanks")));
  announce(t("survey.thanks_heading"));
  heading.focus();
}

/** The questionnaire: one fieldset of four radios per element, an optional comment; `send`
 * stores the answers (it throws the API's problem, shown in the form's error box). */
function questionnaire(container, instrument, send, level = "h2") {
  const errors = errorBox();
  const groups = instrument.elements.map((element, index) => {
    return h("fieldset", { "data-element": element.code },
      h("legend", {},
        h("span", { class: "survey-element" }, t("survey.element", { n: index + 1, name: wording(element.name_id, element.name_en) })),
        " ", wording(element.question_id, element.question_en)),
      element.options.map((option) => choice({ name: element.code, value: String(option.score), label: wording(option.label_id, option.label_en) })));
  });
  const comment = field({ label: t("survey.comment"), name: "comment", type: "textarea", hint: t("survey.comment_hint"), attrs: { maxlength: 2000 } });
  const form = h("form", { novalidate: true, "data-testid": "survey-form" },
    h("p", { class: "hint" }, t("survey.scale")), errors, groups, comment.wrap,
    h("button", { type: "submit" }, t("survey.submit")));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const answers = {};
    const missing = [];
    instrument.elements.forEach((element, index) => {
      const picked = form.querySelector(`input[name="${element.code}"]:checked`);
      if (picked) answers[element.code] = Number(picked.value);
      else missing.push(t("survey.element", { n: index + 1, name: wording(element.name_id, element.name_en) }));
    });
    if (missing.length) {
      showError(errors, { problem: { title: t("form.fix"), detail: t("survey.missing"), errors: { [t("survey.unanswered")]: missing } } });
      return;
    }
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    try {
      await send({ instrument_version: instrument.version, answers, comment: comment.input.value.trim() || undefined });
      thanks(container, level);
    } catch (error) {
      button.disabled = false;
      showError(errors, error);
    }
  });
  fill(container, form);
}

/** The survey of a tracked complaint, answered with its code and PIN; nothing while the
 * complaint is not closed, a thank-you once answered. */
export async function surveyForm(container, { code, pin }) {
  let state;
  try {
    ({ data: state } = await call("getTrackedSurvey", { body: { code, pin } }));
  } catch (error) {
    if (error.status === 409) { fill(container); return; }
    throw error;
  }
  const heading = h("h3", {}, t("survey.heading"));
  const body = h("div", { "aria-live": "polite" });
  fill(container, h("section", { class: "survey", "data-testid": "survey" }, heading, h("p", {}, t("survey.intro")), body));
  if (state.answered) { fill(body, h("p", { "data-testid": "survey-answered" }, t("survey.already"))); return; }
  const { data: instrument } = await call("getSurveyInstrument", { query: { version: state.instrument_version } });
  questionnaire(body, instrument, (answers) => call("answerTrackedSurvey", { body: { code, pin, ...answers } }), "h4");
}

/** The page an invitation e-mail links to: /survei?token=... */
export default async function survey(main, { query }) {
  const token = query.get("token") || "";
  const body = h("div", { "aria-live": "polite" });
  main.append(h("h1", {}, t("survey.heading")), h("p", {}, t("survey.intro")), body);
  const trackLink = h("a", { href: "/lacak", "data-link": true }, t("nav.track"));
  if (!token) { fill(body, h("p", {}, t("survey.no_token"), " ", trackLink)); return; }
  let state;
  try {
    ({ data: state } = await call("getSurveyInvitation", { body: { token } }));
  } catch (error) {
    const box = errorBox();
    fill(body, box, h("p", {}, trackLink));
    showError(box, error);
    return;
  }
  if (state.answered) {
    fill(body, h("p", { "data-testid": "survey-answered" }, t("survey.already")));
    return;
  }
  const { data: instrument } = await call("getSurveyInstrument", { query: { version: state.instrument_version } });
  const form = h("div");
  fill(body, h("p", {}, t("survey.for_complaint", { code: state.tracking_code })), form);
  questionnaire(form, instrument, (answers) => call("submitSurveyResponse", { body: { token, ...answers } }));
}
