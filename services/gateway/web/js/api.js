// The gateway client: sign-in (token in sessionStorage), JSON calls, and RFC 9457 problems as errors.

const SESSION_KEY = "govproj.session";

/** A failed call: `problem` is the RFC 9457 body (title, detail, status, violations, errors, stage…). */
export class ApiProblem extends Error {
  constructor(problem, status) {
    super(problem.detail || problem.title || `HTTP ${status}`);
    this.problem = { status, ...problem };
    this.status = status;
  }
}

export const session = {
  get() {
    try {
      return JSON.parse(sessionStorage.getItem(SESSION_KEY) || "null");
    } catch {
      return null;
    }
  },
  set(value) {
    sessionStorage.setItem(SESSION_KEY, JSON.stringify(value));
  },
  clear() {
    sessionStorage.removeItem(SESSION_KEY);
  },
};

/** The signed-in user ({username, name, roles, unit}) or null. */
export function currentUser() {
  return session.get()?.user ?? null;
}

export function hasRole(...roles) {
  const user = currentUser();
  return Boolean(user && user.roles.some((r) => roles.includes(r)));
}

let onUnauthorized = () => {};
/** Called when the gateway answers 401 (expired or missing token). */
export function setUnauthorizedHandler(handler) {
  onUnauthorized = handler;
}

/**
 * Call the gateway. `body` is sent as JSON; `idempotencyKey` as the Idempotency-Key header.
 * Resolves with the parsed JSON; rejects with ApiProblem (a problem document, or one made up
 * for a network failure so the screen can show it the same way).
 */
export async function request(method, path, { body, query, idempotencyKey, auth = true } = {}) {
  const url = new URL(path, window.location.origin);
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value !== undefined && value !== null && value !== "") url.searchParams.set(key, value);
  }
  const headers = { accept: "application/json, application/problem+json" };
  if (body !== undefined) headers["content-type"] = "application/json";
  if (idempotencyKey) headers["idempotency-key"] = idempotencyKey;
  const token = session.get()?.token;
  if (auth && token) headers.authorization = `Bearer ${token}`;

  let response;
  try {
    response = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (error) {
    throw new ApiProblem(
      { title: "无法连接平台服务 / Network error", detail: String(error?.message ?? error) },
      0,
    );
  }
  const text = await response.text();
  let data = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = { title: `HTTP ${response.status}`, detail: text.slice(0, 500) };
    }
  }
  if (!response.ok) {
    const problem = data && typeof data === "object" ? data : { title: `HTTP ${response.status}` };
    if (response.status === 401 && auth) onUnauthorized(problem);
    throw new ApiProblem(problem, response.status);
  }
  return data;
}

export const api = {
  get: (path, query) => request("GET", path, { query }),
  post: (path, body, options = {}) => request("POST", path, { body, ...options }),
  patch: (path, body) => request("PATCH", path, { body }),

  users: () => request("GET", "/api/auth/users", { auth: false }),
  async signIn(username, password) {
    const result = await request("POST", "/api/auth/token", { body: { username, password }, auth: false });
    session.set({ token: result.access_token, user: result.user });
    return result.user;
  },
  signOut() {
    session.clear();
  },
};

let people = null;
/**
 * username → display name, for actors in the timeline. The list is the dev sign-in list; where it
 * is not served (production) actors show as their ids.
 */
export async function peopleNames() {
  people ??= request("GET", "/api/auth/users", { auth: false })
    .then((users) => Object.fromEntries(users.map((u) => [u.username, u.name])))
    .catch(() => ({}));
  return people;
}

/** A fresh Idempotency-Key (crypto.randomUUID needs a secure context; 127.0.0.1/localhost are). */
export function newIdempotencyKey() {
  if (globalThis.crypto?.randomUUID) return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}
