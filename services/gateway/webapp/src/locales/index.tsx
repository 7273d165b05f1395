// The message catalogue in use (zh-CN by default, en-US on the switch) and `t` to read it; no string lives in a component.
import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from "react";
import zhCN, { type MessageKey } from "./zh-CN";
import enUS from "./en-US";

export type Language = "zh-CN" | "en-US";
const CATALOGUES: Record<Language, Record<string, string>> = { "zh-CN": zhCN, "en-US": enUS };
const LANGUAGE_KEY = "govproj.language";

export type Vars = Record<string, string | number>;

/** Look a key up in a catalogue and fill its {placeholders}; an unknown key comes back as itself. */
export function translate(language: Language, key: MessageKey | string, vars?: Vars): string {
  const text = CATALOGUES[language][key] ?? CATALOGUES["zh-CN"][key] ?? key;
  return vars ? text.replace(/\{(\w+)\}/g, (_, name: string) => String(vars[name] ?? "")) : text;
}

/** Whether the catalogue has the key (for optional labels such as a code's name). */
export function hasMessage(key: string): boolean {
  return key in zhCN;
}

interface I18n {
  language: Language;
  setLanguage: (language: Language) => void;
  t: (key: MessageKey | string, vars?: Vars) => string;
  /** the label of a code if the catalogue has one (e.g. `stage.acceptance.trial_run`), else the fallback */
  label: (key: string, fallback?: string) => string;
}

const I18nContext = createContext<I18n | null>(null);

export function I18nProvider({ children }: { children: ReactNode }) {
  const [language, setLanguageState] = useState<Language>(
    () => (localStorage.getItem(LANGUAGE_KEY) as Language | null) ?? "zh-CN",
  );
  const setLanguage = useCallback((next: Language) => {
    localStorage.setItem(LANGUAGE_KEY, next);
    document.documentElement.lang = next;
    setLanguageState(next);
  }, []);
  const value = useMemo<I18n>(() => {
    const t = (key: string, vars?: Vars) => translate(language, key, vars);
    return {
      language,
      setLanguage,
      t,
      label: (key: string, fallback?: string) => (hasMessage(key) ? t(key) : (fallback ?? key.split(".").pop() ?? key)),
    };
  }, [language, setLanguage]);
  return <I18nContext.Provider value={value}>{children}</I18nContext.Provider>;
}

export function useI18n(): I18n {
  const value = useContext(I18nContext);
  if (!value) throw new Error("useI18n outside I18nProvider");
  return value;
}
