// Who is signed in, shared by every page; a 401 from the gateway signs out.
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from "react";
import { session, setUnauthorizedHandler, signIn as apiSignIn, type User } from "../services/api";

interface Auth {
  user: User | null;
  signIn: (username: string, password: string) => Promise<User>;
  signOut: () => void;
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
  const signOut = useCallback(() => {
    session.clear();
    setUser(null);
  }, []);
  useEffect(() => setUnauthorizedHandler(signOut), [signOut]);
  const value = useMemo<Auth>(
    () => ({
      user,
      signOut,
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
