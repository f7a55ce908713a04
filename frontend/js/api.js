// Calls API operations by their operationId, read from the live OpenAPI contract.
// No view writes a URL or an HTTP method of the API: they come from the contract.
import { currentLang } from "./i18n.js";

// the one address known before the contract: the index of its operations (path, method and
// parameters by operationId), derived from /api/v1/openapi.json by the server, 6 KB of its 120
const CONTRACT_URL = "/api/v1/operations.json";
const STATE_CHANGING = new Set(["POST", "PUT", "PATCH", "DELETE"]);
let operations = null;
let loading = null;

export class ApiError extends Error {
  constructor(status, problem) {
    super((problem && (problem.detail || problem.title)) || `HTTP ${status}`);
    this.status = status;
    this.problem = problem || {};
  }
}

/** Fetch the contract once and index its operations by operationId. */
export function loadContract() {
  if (!loading) {
    loading = fetch(CONTRACT_URL, { headers: { Accept: "application/json" } })
      .then((r) => {
        if (!r.ok) throw new ApiError(r.status, null);
        return r.json();
      })
      .then((spec) => {
        operations = new Map();
        for (const [path, item] of Object.entries(spec.paths || {})) {
          for (const [method, op] of Object.entries(item)) {
            if (op && op.operationId) {
              operations.set(op.operationId, { path, method: method.toUpperCase(), op });
            }
          }
        }
        return operations;
      });
  }
  return loading;
}

/** Whether the server offers this operation (some arrive later than the front end). */
export function has(operationId) {
  return Boolean(operations && operations.has(operationId));
}

/** The enum of a query parameter of an operation, or [] (e.g. which sorts are supported). */
export function queryEnum(operationId, name) {
  const entry = operations && operations.get(operationId);
  const param = entry && (entry.op.parameters || []).find((p) => p.name === name);
  const schema = param && param.schema;
  if (!schema) return [];
  return (schema.items && schema.items.enum) || schema.enum || [];
}

/** The URL of an operation with its path parameters filled (for links such as downloads). */
export function url(operationId, { path = {}, query = {} } = {}) {
  const entry = operations && operations.get(operationId);
  if (!entry) throw new Error(`Unknown operation ${operationId}`);
  const filled = entry.path.replace(/\{([^}]+)\}/g, (_, name) => {
    if (path[name] === undefined) throw new Error(`Missing path parameter ${name}`);
    return encodeURIComponent(String(path[name]));
  });
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null || value === "") continue;
    for (const v of Array.isArray(value) ? value : [value]) params.append(key, String(v));
  }
  const qs = params.toString();
  return qs ? `${filled}?${qs}` : filled;
}

function cookie(name) {
  for (const part of document.cookie.split(";")) {
    const [k, ...v] = part.trim().split("=");
    if (k === name) return decodeURIComponent(v.join("="));
  }
  return null;
}

async function send(operationId, { path, query, body, headers = {}, form } = {}) {
  await loadContract();
  const entry = operations.get(operationId);
  if (!entry) throw new ApiError(501, { title: operationId, detail: operationId });
  const init = {
    method: entry.method,
    credentials: "same-origin",
    headers: { Accept: "application/json, application/problem+json", "Accept-Language": currentLang(), ...headers },
  };
  if (form) {
    const data = new FormData();
    for (const [k, v] of Object.entries(form)) if (v !== undefined && v !== null) data.append(k, v);
    init.body = data;
  } else if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  if (STATE_CHANGING.has(entry.method)) {
    const csrf = operationId === "refreshToken" ? cookie("csrf_refresh_token") : cookie("csrf_access_token");
    if (csrf) init.headers["X-CSRF-TOKEN"] = csrf;
  }
  return fetch(url(operationId, { path, query }), init);
}

async function parse(response) {
  if (response.status === 204) return null;
  const type = response.headers.get("Content-Type") || "";
  if (type.includes("json")) return response.json();
  return response.text();
}

let refreshing = null;

/** Call an operation; throws ApiError with the problem document on failure. */
export async function call(operationId, options = {}) {
  let response = await send(operationId, options);
  if (response.status === 401 && operationId !== "refreshToken" && operationId !== "login") {
    const problem = await response.clone().json().catch(() => ({}));
    if (problem.code === "token_expired" && cookie("csrf_refresh_token") !== null) {
      refreshing = refreshing || send("refreshToken", { body: {} }).finally(() => { refreshing = null; });
      const refreshed = await refreshing;
      if (refreshed.ok) response = await send(operationId, options);
    }
  }
  const data = await parse(response);
  if (!response.ok) throw new ApiError(response.status, typeof data === "object" ? data : { detail: String(data) });
  return { data, etag: response.headers.get("ETag"), status: response.status };
}
