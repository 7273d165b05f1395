// The gateway client: the signed-in session (token in sessionStorage), JSON calls, RFC 9457 problems as ApiProblem.

export interface User {
  username: string;
  name: string;
  roles: string[];
  unit: string | null;
}

export interface Violation {
  rule_id: string;
  citation: string;
  message_zh: string;
  message_en: string;
  field?: string | null;
  pack?: string | null;
  /** the whole article when `citation` names its item or band */
  article?: string | null;
}

export interface FieldError {
  loc?: (string | number)[];
  field?: string;
  type?: string;
  msg?: string;
  message?: string;
}

/** An RFC 9457 problem document as the services send it (violations for rule refusals, errors for bad fields). */
export interface Problem {
  type?: string;
  title?: string;
  status: number;
  detail?: string;
  violations?: Violation[];
  errors?: FieldError[];
  stage?: string;
  expected?: string[];
  [key: string]: unknown;
}

export class ApiProblem extends Error {
  readonly problem: Problem;
  constructor(problem: Problem) {
    super(problem.title ?? `HTTP ${problem.status}`);
    this.problem = problem;
  }
  get status(): number {
    return this.problem.status;
  }
}

const SESSION_KEY = "govproj.session";

/** A session from the identity provider (统一身份认证) also carries what refreshing and signing out need. */
export interface Session {
  token: string;
  user: User;
  oidc?: { refreshToken: string | null; idToken: string | null; expiresAt: number };
}

export const session = {
  get(): Session | null {
    try {
      return JSON.parse(sessionStorage.getItem(SESSION_KEY) ?? "null");
    } catch {
      return null;
    }
  },
  set(value: Session) {
    sessionStorage.setItem(SESSION_KEY, JSON.stringify(value));
  },
  clear() {
    sessionStorage.removeItem(SESSION_KEY);
  },
};

let onUnauthorized: () => void = () => {};
export function setUnauthorizedHandler(handler: () => void) {
  onUnauthorized = handler;
}

export type Query = Record<string, string | number | boolean | null | undefined>;

export interface RequestOptions {
  body?: unknown;
  query?: Query;
  idempotencyKey?: string;
  auth?: boolean;
}

/** Call the gateway; resolves with parsed JSON, rejects with ApiProblem (a network failure becomes status 0). */
export async function request<T = unknown>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
  const { body, query, idempotencyKey, auth = true } = options;
  const url = new URL(path, window.location.origin);
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value !== undefined && value !== null && value !== "") url.searchParams.set(key, String(value));
  }
  const headers: Record<string, string> = { accept: "application/json, application/problem+json" };
  if (body !== undefined) headers["content-type"] = "application/json";
  if (idempotencyKey) headers["idempotency-key"] = idempotencyKey;
  const token = session.get()?.token;
  if (auth && token) headers.authorization = `Bearer ${token}`;
  let response: Response;
  try {
    response = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (error) {
    throw new ApiProblem({ status: 0, title: "network", detail: String(error) });
  }
  const text = await response.text();
  let data: unknown = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = { detail: text.slice(0, 300) };
    }
  }
  if (!response.ok) {
    const problem = { ...(data && typeof data === "object" ? data : {}), status: response.status } as Problem;
    if (response.status === 401 && auth) onUnauthorized();
    throw new ApiProblem(problem);
  }
  return data as T;
}

export const api = {
  get: <T = unknown>(path: string, query?: Query) => request<T>("GET", path, { query }),
  post: <T = unknown>(path: string, body?: unknown, idempotencyKey?: string) =>
    request<T>("POST", path, { body, idempotencyKey }),
};

export async function signIn(username: string, password: string): Promise<User> {
  const result = await request<{ access_token: string; user: User }>("POST", "/api/auth/token", {
    body: { username, password },
    auth: false,
  });
  session.set({ token: result.access_token, user: result.user });
  return result.user;
}

export function listUsers(): Promise<User[]> {
  return request<User[]>("GET", "/api/auth/users", { auth: false });
}

/** A fresh Idempotency-Key (crypto.randomUUID needs a secure context; localhost is one). */
export function newIdempotencyKey(): string {
  if (typeof globalThis.crypto?.randomUUID === "function" && window.isSecureContext) return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** A read that may not be served yet (a route another branch adds): 404 and 405 mean "nothing to show". */
export async function optional<T>(read: Promise<T>): Promise<T | null> {
  try {
    return await read;
  } catch (error) {
    if (error instanceof ApiProblem && (error.status === 404 || error.status === 405)) return null;
    throw error;
  }
}
