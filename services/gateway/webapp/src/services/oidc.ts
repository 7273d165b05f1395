// 统一身份认证: the authorization-code flow with PKCE (RFC 7636, S256) run by the browser as the public
// client `govproj-web`. The gateway says where the provider is (GET /api/auth/oidc) and forwards the code
// exchange and the refresh to the provider (POST /api/auth/oidc/token), so the provider's token endpoint
// needs no CORS entry for each deployment; why not a library: docs/security.md.
import { request, session, type User } from "./api";

export interface OidcConfig {
  issuer: string;
  authorization_endpoint: string;
  end_session_endpoint?: string | null;
  client_id: string;
  scope: string;
  redirect_path: string;
  token_path: string;
  dev_sign_in: boolean;
}

export interface TokenAnswer {
  access_token: string;
  refresh_token?: string | null;
  expires_in?: number | null;
  id_token?: string | null;
  user: User;
}

/** What the browser keeps between leaving for the provider and coming back (one sign-in at a time). */
const PENDING_KEY = "govproj.oidc.pending";
/** Why the person is on the sign-in page again (shown there once, in their language). */
const REASON_KEY = "govproj.signin.reason";

export type SignOutReason = "expired" | "signed_out" | "failed";

export function base64url(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** A verifier of 43 unreserved characters (32 random bytes) and its S256 challenge. */
export async function pkcePair(): Promise<{ verifier: string; challenge: string }> {
  const verifier = base64url(crypto.getRandomValues(new Uint8Array(32)));
  return { verifier, challenge: await s256(verifier) };
}

export async function s256(verifier: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier));
  return base64url(new Uint8Array(digest));
}

export async function loadOidcConfig(): Promise<OidcConfig | null> {
  try {
    return await request<OidcConfig>("GET", "/api/auth/oidc", { auth: false });
  } catch {
    return null; // no provider configured (404) or the gateway cannot reach it: the button is not offered
  }
}

export function redirectUri(config: OidcConfig): string {
  return new URL(config.redirect_path, window.location.origin).toString();
}

/** The provider's authorization URL for this sign-in; the verifier and state stay in sessionStorage. */
export async function authorizationUrl(config: OidcConfig, from: string, language: string): Promise<string> {
  const { verifier, challenge } = await pkcePair();
  const state = base64url(crypto.getRandomValues(new Uint8Array(16)));
  sessionStorage.setItem(PENDING_KEY, JSON.stringify({ verifier, state, from }));
  const url = new URL(config.authorization_endpoint);
  url.search = new URLSearchParams({
    client_id: config.client_id,
    response_type: "code",
    scope: config.scope,
    redirect_uri: redirectUri(config),
    state,
    code_challenge: challenge,
    code_challenge_method: "S256",
    ui_locales: language === "en-US" ? "en" : "zh-CN",
  }).toString();
  return url.toString();
}

function keep(answer: TokenAnswer): User {
  session.set({
    token: answer.access_token,
    user: answer.user,
    oidc: {
      refreshToken: answer.refresh_token ?? null,
      idToken: answer.id_token ?? null,
      expiresAt: Date.now() + (answer.expires_in ?? 300) * 1000,
    },
  });
  return answer.user;
}

export class SignInFailed extends Error {}

/** Back at /auth/callback: check the state, exchange code + verifier, keep the session; returns where to go. */
export async function completeSignIn(config: OidcConfig, search: string): Promise<{ user: User; from: string }> {
  const params = new URLSearchParams(search);
  const pending = JSON.parse(sessionStorage.getItem(PENDING_KEY) ?? "null") as
    | { verifier: string; state: string; from: string }
    | null;
  sessionStorage.removeItem(PENDING_KEY); // a code is good once; so is the verifier
  if (params.get("error")) throw new SignInFailed(params.get("error_description") ?? params.get("error") ?? "");
  const code = params.get("code");
  if (!pending || !code || params.get("state") !== pending.state) throw new SignInFailed("state");
  const answer = await request<TokenAnswer>("POST", config.token_path, {
    body: { grant_type: "authorization_code", code, code_verifier: pending.verifier, redirect_uri: redirectUri(config) },
    auth: false,
  });
  return { user: keep(answer), from: pending.from || "/workbench" };
}

/** A new access token before the current one expires; rejects when the provider's session has ended. */
export async function refresh(): Promise<User> {
  const current = session.get();
  const refreshToken = current?.oidc?.refreshToken;
  if (!refreshToken) throw new SignInFailed("no refresh token");
  const answer = await request<TokenAnswer>("POST", "/api/auth/oidc/token", {
    body: { grant_type: "refresh_token", refresh_token: refreshToken },
    auth: false,
  });
  return keep(answer);
}

/** The provider's sign-out URL (ends its session too), or null when the session was not a provider's. */
export async function endSessionUrl(idToken: string): Promise<string | null> {
  const config = await loadOidcConfig();
  if (!config?.end_session_endpoint) return null;
  const url = new URL(config.end_session_endpoint);
  url.search = new URLSearchParams({
    id_token_hint: idToken,
    client_id: config.client_id,
    post_logout_redirect_uri: new URL("/login", window.location.origin).toString(),
  }).toString();
  return url.toString();
}

export const signInReason = {
  set(reason: SignOutReason) {
    sessionStorage.setItem(REASON_KEY, reason);
  },
  // Kept until the next sign-in: signing out of the provider reloads the sign-in page, which must still say why.
  get(): SignOutReason | null {
    return sessionStorage.getItem(REASON_KEY) as SignOutReason | null;
  },
  clear() {
    sessionStorage.removeItem(REASON_KEY);
  },
};
