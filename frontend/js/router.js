// History routing: each path names a view; focus moves to the new heading on every change.
const routes = [];
let notFound = null;
let onChange = () => {};

export function route(pattern, load) {
  const keys = [];
  const regex = new RegExp(`^${pattern.replace(/:(\w+)/g, (_, k) => { keys.push(k); return "([^/]+)"; })}/?$`);
  routes.push({ regex, keys, load });
}

export function fallback(load) { notFound = load; }
export function onRoute(fn) { onChange = fn; }

export function navigate(path, { replace = false } = {}) {
  if (replace) history.replaceState({}, "", path);
  else history.pushState({}, "", path);
  return render();
}

export async function render() {
  const path = location.pathname;
  const query = new URLSearchParams(location.search);
  for (const r of routes) {
    const m = path.match(r.regex);
    if (m) {
      const params = Object.fromEntries(r.keys.map((k, i) => [k, decodeURIComponent(m[i + 1])]));
      return onChange(r.load, { params, query, path });
    }
  }
  return onChange(notFound, { params: {}, query, path });
}

/** Same-origin links marked data-link are routed without a page load. */
export function start() {
  document.addEventListener("click", (event) => {
    const a = event.target.closest && event.target.closest("a[data-link]");
    if (!a || event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) return;
    event.preventDefault();
    navigate(a.getAttribute("href"));
  });
  window.addEventListener("popstate", render);
  return render();
}
