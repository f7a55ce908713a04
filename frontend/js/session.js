// Who is logged in (cookie session); the httpOnly tokens themselves are never readable here.
import { call } from "./api.js";

const FLAG = "aduan-session";
let user = null;

export function currentUser() { return user; }
/** Whether the logged-in account may take `action` (the API lists them: getCurrentUser). */
export function can(action) { return Boolean(user && (user.permissions || []).includes(action)); }

/** Ask the server who we are, but only when this browser logged in before. */
export async function restore() {
  let flagged = false;
  try { flagged = localStorage.getItem(FLAG) === "1"; } catch { flagged = false; }
  if (!flagged) return null;
  try { user = (await call("getCurrentUser")).data; } catch { user = null; forget(); }
  return user;
}

export async function login(email, password) {
  const { data } = await call("login", { body: { email, password, session: "cookie" } });
  user = data.user;
  try { localStorage.setItem(FLAG, "1"); } catch { /* memory only */ }
  return user;
}

export async function logout() {
  try { await call("logout", { body: {} }); } finally { user = null; forget(); }
}

function forget() { try { localStorage.removeItem(FLAG); } catch { /* nothing stored */ } }
