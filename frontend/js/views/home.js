import { h } from "../dom.js";
import { t } from "../i18n.js";

export default function home(main) {
  main.append(
    h("h1", {}, t("home.title")),
    h("p", {}, t("home.intro")),
    h("div", { class: "cards" },
      h("section", { class: "card", "aria-labelledby": "home-file" },
        h("h2", { id: "home-file" }, t("home.file.title")), h("p", {}, t("home.file.text")),
        h("a", { class: "button", href: "/lapor", "data-link": true }, t("home.file.action"))),
      h("section", { class: "card", "aria-labelledby": "home-track" },
        h("h2", { id: "home-track" }, t("home.track.title")), h("p", {}, t("home.track.text")),
        h("a", { class: "button", href: "/lacak", "data-link": true }, t("home.track.action"))),
      h("section", { class: "card", "aria-labelledby": "home-account" },
        h("h2", { id: "home-account" }, t("home.account.title")), h("p", {}, t("home.account.text")),
        h("a", { class: "button secondary", href: "/masuk", "data-link": true }, t("home.account.action")))),
    h("h2", {}, t("home.law.title")),
    h("ul", {}, h("li", {}, t("home.law.response")), h("li", {}, t("home.law.completion")),
      h("li", {}, t("home.law.decision")), h("li", {}, t("home.law.free"))),
  );
}
