import { h } from "../dom.js";
import { t } from "../i18n.js";

export default function notFound(main) {
  main.append(h("h1", {}, t("notfound.title")), h("p", {}, h("a", { href: "/", "data-link": true }, t("nav.home"))));
}
