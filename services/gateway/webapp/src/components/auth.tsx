// Who is signed in, shared by every page; a 401 from the gateway signs out (back to sign-in, saying why).
// A session from the identity provider is refreshed shortly before its access token expires.
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from "react";
import { request, session, setUnauthorizedHandler, signIn as apiSignIn, type User } from "../services/api";
import { endSessionUrl, refresh, signInReason, type SignOutReason } from "../services/oidc";

interface Auth {
  user: User | null;
  signIn: (username: string, password: string) => Promise<User>;
  /** after /auth/callback stored the provider's session */
  signedIn: (user: User) => void;
  /** "signed_out" (the person chose to) also ends the provider's session */
  signOut: (reason?: SignOutReason) => void;
  hasRole: (...roles: string[]) => boolean;
}

const AuthContext = createContext<Auth | null>(null);

export const LEADER_ROLES = [
  "vice_mayor_unit",
  "vice_mayor_digital",
  "vice_mayor_finance",
  "mayor",
  "executive_meeting",
  "standing_committee",
  "finance_committee",
];

/** Roles that read the whole library (the others work from their to-do list). */
export const LIBRARY_ROLES = ["unit", "data_bureau", "drc", "finance", "audit", "leading_office"];

export function AuthProvider({ children }: { children: ReactNode }) {
  const [user, setUser] = useState<User | null>(() => session.get()?.user ?? null);
  const signOut = useCallback((reason: SignOutReason = "signed_out") => {
    const idToken = session.get()?.oidc?.idToken ?? null;
    session.clear();
    signInReason.set(reason);
    setUser(null);
    // Choosing to sign out ends the provider's session too, else its sign-in page would let anyone back in.
    if (reason === "signed_out" && idToken) {
      void endSessionUrl(idToken).then((url) => url && window.location.assign(url));
    }
  }, []);
  useEffect(() => setUnauthorizedHandler(() => signOut("expired")), [signOut]);
  useEffect(() => {
    // A session kept across a reload may have expired meanwhile: ask the gateway once (a 401 signs out).
    if (session.get()) request("GET", "/api/me").catch(() => undefined);
  }, []);
  useEffect(() => {
    // Refresh 30 s before expiry; a refused refresh (the provider's session ended) is an expired sign-in.
    const expiresAt = session.get()?.oidc?.expiresAt;
    if (!user || !expiresAt) return;
    const timer = window.setTimeout(
      () => {
        refresh().then(setUser, () => signOut("expired"));
      },
      Math.max(expiresAt - Date.now() - 30_000, 0),
    );
    return () => window.clearTimeout(timer);
  }, [user, signOut]);
  const value = useMemo<Auth>(
    () => ({
      user,
      signOut,
      signedIn: setUser,
      async signIn(username, password) {
        const signed = await apiSignIn(username, password);
        setUser(signed);
        return signed;
      },
      hasRole: (...roles) => Boolean(user?.roles.some((role) => roles.includes(role))),
    }),
    [user, signOut],
  );
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

export function useAuth(): Auth {
  const value = useContext(AuthContext);
  if (!value) throw new Error("useAuth outside AuthProvider");
  return value;
}
