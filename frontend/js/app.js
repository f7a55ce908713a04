// Entry point: load contract and language, draw the navigation, route to the view.
import { loadContract } from "./api.js";
import { h } from "./dom.js";
import { currentLang, loadLang, t, translateShell } from "./i18n.js";
import { fallback, navigate, onRoute, render, route, start } from "./router.js";
import { currentUser, isStaff, logout, restore } from "./session.js";

const view = (name) => () => import(`./views/${name}.js`);
route("/", view("home"));
route("/lapor", view("file"));
route("/tanda-terima", view("receipt"));
route("/lacak", view("track"));
route("/masuk", view("login"));
route("/daftar", view("register"));
route("/saya", view("mine"));
route("/pengaduan/:id", view("complaint"));
route("/staf", view("queue"));
route("/staf/input", view("intake"));
route("/pengawasan", view("breaches"));
fallback(view("notfound"));

function drawNav(path) {
  const user = currentUser();
  const links = [["/", "nav.home"], ["/lapor", "nav.file"], ["/lacak", "nav.track"]];
  if (!user) links.push(["/masuk", "nav.login"], ["/daftar", "nav.register"]);
  else if (!isStaff()) links.push(["/saya", "nav.mine"]);
  else {
    links.push(["/staf", "nav.queue"], ["/staf/input", "nav.intake"]);
    if (["supervisor", "admin", "verifier", "agency_head"].includes(user.role)) links.push(["/pengawasan", "nav.breaches"]);
  }
  const items = links.map(([href, key]) => h("li", {}, h("a", { href, "data-link": true, "aria-current": href === path ? "page" : undefined }, t(key))));
  if (user) {
    items.push(h("li", {}, h("a", { href: "/", onclick: async (e) => { e.preventDefault(); await logout(); navigate("/"); } }, t("nav.logout"))));
  }
  document.getElementById("nav-list").replaceChildren(...items);
}

let rendering = 0;
let firstRender = true;
onRoute(async (load, ctx) => {
  const ticket = ++rendering;
  const main = document.getElementById("main");
  main.removeAttribute("data-ready");
  drawNav(ctx.path);
  const module = await load();
  if (ticket !== rendering) return;
  main.replaceChildren();
  await module.default(main, ctx);
  if (ticket !== rendering) return;
  const heading = main.querySelector("h1");
  if (heading) {
    heading.tabIndex = -1;
    // the first page load leaves focus at the top (skip link first); later route changes move it
    if (!firstRender) heading.focus();
    document.title = `${heading.textContent} · ${t("app.name")}`;
  }
  firstRender = false;
  main.dataset.ready = "true";
});

document.getElementById("lang-switch").addEventListener("click", async () => {
  await loadLang(currentLang() === "id" ? "en" : "id");
  translateShell();
  await render();
});

async function boot() {
  await Promise.all([loadLang(), loadContract()]);
  translateShell();
  await restore();
  await start();
}

boot();
