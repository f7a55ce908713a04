// Entry point: load contract and language, draw the navigation, route to the view.
import { loadContract } from "./api.js";
import { h } from "./dom.js";
import { currentLang, loadLang, t, translateShell } from "./i18n.js";
import { redrawBanner, startOffline } from "./offline.js";
import { fallback, navigate, onRoute, render, route, start } from "./router.js";
import { can, currentUser, logout, restore } from "./session.js";

const view = (name) => () => import(`./views/${name}.js`);
route("/", view("home"));
route("/lapor", view("file"));
route("/tanda-terima", view("receipt"));
route("/lacak", view("track"));
route("/publik", view("public"));
route("/kinerja", view("scorecard"));
route("/masuk", view("login"));
route("/daftar", view("register"));
route("/saya", view("mine"));
route("/pengaduan/:id", view("complaint"));
route("/staf", view("queue"));
route("/staf/input", view("intake"));
route("/pengawasan", view("breaches"));
route("/survei", view("survey"));
route("/admin/webhook", view("webhooks"));
route("/pelindungan-data", view("data-requests"));
route("/tersimpan", view("kept"));
fallback(view("notfound"));

function drawNav(path) {
  const user = currentUser();
  // staff who record intake file through it, so their one line has no citizen's filing link
  const staffIntake = Boolean(user) && can("complaints.record_intake");
  const links = [["/", "nav.home"], ...(staffIntake ? [] : [["/lapor", "nav.file"]]), ["/lacak", "nav.track"], ["/publik", "nav.public"]];
  // the public scorecard on the public's line (staff read the same figures in their dashboard;
  // their line at 1280 px has no room for it)
  if (!user || !can("complaints.queue")) links.push(["/kinerja", "nav.scorecard"]);
  if (!user) links.push(["/masuk", "nav.login"], ["/daftar", "nav.register"]);
  else if (!can("complaints.queue")) links.push(["/saya", "nav.mine"]);
  else {
    links.push(["/staf", "nav.queue"]);
    if (can("complaints.record_intake")) links.push(["/staf/input", "nav.intake"]);
    if (can("reports.breaches")) links.push(["/pengawasan", "nav.breaches"]);
    if (can("webhooks.manage")) links.push(["/admin/webhook", "nav.webhooks"]);
    if (can("privacy.queue")) links.push(["/pelindungan-data", "nav.data_requests"]);
  }
  const items = links.map(([href, key]) => h("li", {}, h("a", { href, "data-link": true, "aria-current": href === path ? "page" : undefined }, t(key))));
  if (user) {
    items.push(h("li", {}, h("a", { href: "/", onclick: async (e) => { e.preventDefault(); await logout(); navigate("/"); } }, t("nav.logout"))));
  }
  document.getElementById("nav-list").replaceChildren(...items);
  showMenu(false); // a new page starts with the narrow screen's menu closed
}

const menuToggle = document.getElementById("menu-toggle");

/** Open or close the navigation behind the menu button (narrow screens; wide ones show it). */
function showMenu(open) {
  menuToggle.setAttribute("aria-expanded", String(open));
  document.getElementById("nav-list").classList.toggle("open", open);
}

menuToggle.addEventListener("click", () => showMenu(menuToggle.getAttribute("aria-expanded") !== "true"));
// Escape closes the open menu and gives the focus back to its button, as a disclosure should
menuToggle.closest("header").addEventListener("keydown", (event) => {
  if (event.key !== "Escape" || menuToggle.getAttribute("aria-expanded") !== "true") return;
  showMenu(false);
  menuToggle.focus();
});

let rendering = 0;
let firstRender = true;
let shown = null; // what the current view returned: optionally { state(), restore(state) }
let carry = null; // what the language switch keeps of the current view while it is redrawn

/** What the user typed or chose in the view, control by control (files included). */
function snapshot(main) {
  return [...main.querySelectorAll("input, select, textarea")].map((el) => ({
    el, value: el.value, checked: el.checked, files: el.type === "file" ? el.files : null,
  }));
}

/** Put a snapshot back into the redrawn view: the same controls in the same order. */
function restoreControls(main, saved) {
  const controls = [...main.querySelectorAll("input, select, textarea")];
  const key = (el) => `${el.tagName}|${el.type}|${el.name}|${el.type === "radio" || el.type === "checkbox" ? el.value : ""}`;
  const pool = new Map();
  for (const item of saved) {
    const list = pool.get(key(item.el)) || [];
    list.push(item);
    pool.set(key(item.el), list);
  }
  for (const el of controls) {
    const item = (pool.get(key(el)) || []).shift();
    if (!item) continue;
    if (el.type === "radio" || el.type === "checkbox") el.checked = item.checked;
    else if (el.type === "file") { if (item.files && item.files.length) el.files = item.files; }
    else el.value = item.value;
    // dependent controls (kelurahan follows kecamatan) refill before their own value is put back
    if (el.tagName === "SELECT") el.dispatchEvent(new Event("change", { bubbles: true }));
  }
}

onRoute(async (load, ctx) => {
  const ticket = ++rendering;
  const main = document.getElementById("main");
  const kept = carry && carry.path === ctx.path ? carry : null;
  carry = null;
  main.removeAttribute("data-ready");
  drawNav(ctx.path);
  const module = await load();
  if (ticket !== rendering) return;
  main.replaceChildren();
  shown = (await module.default(main, ctx)) || null;
  if (ticket !== rendering) return;
  if (kept) {
    restoreControls(main, kept.controls);
    if (shown && shown.restore) shown.restore(kept.state);
  }
  const heading = main.querySelector("h1");
  if (heading) {
    heading.tabIndex = -1;
    // the first page load leaves focus at the top (skip link first); a language switch leaves it
    // on the switch; other route changes move it to the new heading
    if (!firstRender && !kept) heading.focus();
    document.title = `${heading.textContent} · ${t("app.name")}`;
  }
  firstRender = false;
  main.dataset.ready = "true";
});

document.getElementById("lang-switch").addEventListener("click", async () => {
  const main = document.getElementById("main");
  carry = { path: location.pathname, controls: snapshot(main), state: shown && shown.state ? shown.state() : null };
  await loadLang(currentLang() === "id" ? "en" : "id");
  translateShell();
  redrawBanner();
  await render();
});

async function boot() {
  await Promise.all([loadLang(), loadContract()]);
  translateShell();
  await restore();
  await start();
  startOffline();
}

boot();
