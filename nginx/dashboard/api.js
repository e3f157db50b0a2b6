// The console's one way to the API: the operator's credential from session storage, JSON in and
// out, and every failure turned into a sentence. The console has no privileges of its own: every
// read and write is the public API's, with the operator's key.

import { t, format } from "./i18n.js";

// The credential lives in sessionStorage only: it dies with the tab and never reaches a URL.
const STORAGE_KEY = "companin.apiKey";

function storage() {
  try {
    return window.sessionStorage;
  } catch (error) {
    return null; // blocked by the browser's privacy settings
  }
}

export function canStore() {
  return storage() !== null;
}

export function readKey() {
  const store = storage();
  if (!store) return "";
  try {
    return store.getItem(STORAGE_KEY) || "";
  } catch (error) {
    return "";
  }
}

export function writeKey(key) {
  const store = storage();
  if (!store) return false;
  try {
    store.setItem(STORAGE_KEY, key);
    return true;
  } catch (error) {
    return false;
  }
}

export function forgetKey() {
  const store = storage();
  if (!store) return;
  try {
    store.removeItem(STORAGE_KEY);
  } catch (error) {
    // Nothing was stored.
  }
}

/** An API key goes in X-API-Key (which nginx does not log); a browser token (cmt_…) as a bearer token. */
function credentialHeaders(key) {
  return key.startsWith("cmt_") ? { Authorization: "Bearer " + key } : { "X-API-Key": key };
}

export class RequestFailure extends Error {
  constructor(fields) {
    super(fields.network ? "network failure" : fields.aborted ? "aborted" : "HTTP " + fields.status);
    this.status = fields.status || 0;
    this.network = Boolean(fields.network);
    this.aborted = Boolean(fields.aborted);
    this.retryAfter = fields.retryAfter === undefined ? null : fields.retryAfter;
    /** The API's `detail`: a sentence, or a list of {loc, msg, type} for a 422. */
    this.detail = fields.detail === undefined ? null : fields.detail;
  }
}

let unauthorizedHandler = null;

/** Called once for every 401: the key is not (or no longer) valid. */
export function onUnauthorized(handler) {
  unauthorizedHandler = handler;
}

/**
 * Starts a page's load over `state` ({generation, controller}): the load in flight is aborted, and
 * an answer whose generation is no longer the page's is to be dropped.
 */
export function beginLoad(state) {
  if (state.controller) state.controller.abort();
  state.controller = new AbortController();
  state.generation += 1;
  return { generation: state.generation, signal: state.controller.signal };
}

/** Drops the page's load in flight: its answers, if any still come, are ignored. */
export function cancelLoad(state) {
  state.generation += 1;
  if (state.controller) state.controller.abort();
  state.controller = null;
}

export function queryString(params) {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params || {})) {
    if (value !== undefined && value !== null && value !== "") search.set(name, String(value));
  }
  const text = search.toString();
  return text ? "?" + text : "";
}

/** Seconds to wait from a Retry-After header (delta-seconds or an HTTP date), or null. */
export function retryAfterSeconds(header, now) {
  if (header === null || header === undefined) return null;
  const text = String(header).trim();
  if (/^\d+$/.test(text)) return Number(text);
  const when = Date.parse(text);
  if (Number.isNaN(when)) return null;
  return Math.max(0, Math.ceil((when - now) / 1000));
}

/**
 * One request with the stored credential. options: {query, json, form (FormData), headers, signal,
 * key}. Resolves {status, headers, data}; throws RequestFailure for anything but 2xx.
 */
export async function api(method, path, options) {
  const settings = options || {};
  const key = settings.key || readKey();
  if (!key) throw new RequestFailure({ status: 401 });
  const headers = Object.assign({ Accept: "application/json" }, credentialHeaders(key), settings.headers || {});
  let body;
  if (settings.json !== undefined) {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(settings.json);
  } else if (settings.form) {
    body = settings.form; // the browser writes the multipart boundary
  }
  let response;
  try {
    response = await fetch(path + queryString(settings.query), {
      method: method,
      headers: headers,
      body: body,
      credentials: "omit",
      cache: "no-store",
      redirect: "error",
      referrerPolicy: "no-referrer",
      signal: settings.signal,
    });
  } catch (error) {
    if (settings.signal && settings.signal.aborted) throw new RequestFailure({ aborted: true });
    throw new RequestFailure({ network: true });
  }
  if (!response.ok) {
    let detail = null;
    try {
      const parsed = await response.json();
      if (parsed && (typeof parsed.detail === "string" || Array.isArray(parsed.detail))) detail = parsed.detail;
    } catch (error) {
      // Not JSON (or no body): the status says enough.
    }
    const failure = new RequestFailure({
      status: response.status,
      retryAfter: retryAfterSeconds(response.headers.get("Retry-After"), Date.now()),
      detail: detail,
    });
    if (failure.status === 401 && unauthorizedHandler && key === readKey()) unauthorizedHandler();
    throw failure;
  }
  let data = null;
  if (response.status !== 204) {
    try {
      data = await response.json();
    } catch (error) {
      if (settings.signal && settings.signal.aborted) throw new RequestFailure({ aborted: true });
      throw new RequestFailure({ status: response.status });
    }
  }
  return { status: response.status, headers: response.headers, data: data };
}

export function getJSON(path, query, signal) {
  return api("GET", path, { query: query, signal: signal }).then((reply) => reply.data);
}

function retryPhrase(seconds) {
  if (seconds === null || seconds === undefined) return t("retry.later");
  return t("retry.in", { count: seconds, seconds: format.count(seconds) });
}

/** The fields a 422 names, each with its message: "question: Field required". */
function validationWords(detail) {
  if (!Array.isArray(detail)) return typeof detail === "string" ? detail : "";
  return detail.map((item) => {
    const location = Array.isArray(item.loc) ? item.loc.filter((part) => part !== "body" && part !== "query").join(".") : "";
    return (location ? location + ": " : "") + (item.msg || "");
  }).join("; ");
}

function withDetail(sentence, failure) {
  const detail = typeof failure.detail === "string" ? failure.detail.trim() : "";
  return detail ? sentence + " (" + detail + ")" : sentence;
}

/**
 * The sentence for a failed request. `words` may replace the sentence of one status, e.g.
 * {403: "…", 404: "…"}, for what that status means in one place.
 */
export function describeFailure(failure, words) {
  const own = words || {};
  if (!(failure instanceof RequestFailure)) {
    // Not the API's answer but the page's own mistake: said in words, and logged for whoever debugs it.
    console.error(failure);
    return t("error.unexpected");
  }
  if (failure.network) return t("error.network");
  if (own[failure.status]) return own[failure.status];
  switch (failure.status) {
    case 400:
      return withDetail(t("error.400"), failure);
    case 401:
      return t("error.401");
    case 403:
      return t("error.403");
    case 404:
      return t("error.404");
    case 409:
      return withDetail(t("error.409"), failure);
    case 412:
      return t("error.412");
    case 413:
      return withDetail(t("error.413"), failure);
    case 415:
      return withDetail(t("error.415"), failure);
    case 422: {
      const fields = validationWords(failure.detail);
      return fields ? t("error.422", { fields: fields }) : t("error.422.plain");
    }
    case 429:
      return t("error.429", { retry: retryPhrase(failure.retryAfter) });
    case 503:
      return t("error.503", { retry: retryPhrase(failure.retryAfter) });
    default:
      return withDetail(t("error.other", { status: String(failure.status) }), failure);
  }
}
