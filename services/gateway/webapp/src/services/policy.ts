// What the forms read from a jurisdiction's policy pack (rules are data): the materials checklist, a rule's quote.
import { api } from "./api";

export interface PackRule {
  id: string;
  stage: string;
  kind?: string;
  citation: string;
  title_zh?: string;
  title_en?: string;
  quote?: string;
  params?: Record<string, unknown> & {
    supplied_fact?: string;
    required?: string[];
    labels?: Record<string, { zh?: string; en?: string }>;
    cases?: { when?: { fact: string; op: string; value?: unknown }; require?: string[] }[];
  };
}

export interface Pack {
  id: string;
  name_zh?: string;
  rules: PackRule[];
}

const packs = new Map<string, Promise<Pack | null>>();

export function loadPack(jurisdiction: string): Promise<Pack | null> {
  if (!packs.has(jurisdiction)) {
    packs.set(
      jurisdiction,
      api.get<Pack>(`/api/policy/packs/${encodeURIComponent(jurisdiction)}`).catch(() => {
        packs.delete(jurisdiction); // try again next time rather than remember a failure
        return null;
      }),
    );
  }
  return packs.get(jurisdiction)!;
}

export interface MaterialGroup {
  ruleId: string;
  citation: string;
  title: string;
  items: { kind: string; zh: string; en: string }[];
  when: { fact: string; op: string; value?: unknown } | null;
}

/** The application materials checklist: one group per requirement rule and per conditional case. */
export function materialGroups(pack: Pack | null): MaterialGroup[] {
  const groups: MaterialGroup[] = [];
  for (const rule of pack?.rules ?? []) {
    if (rule.stage !== "intake" || rule.params?.supplied_fact !== "materials") continue;
    const labels = rule.params.labels ?? {};
    const item = (kind: string) => ({ kind, zh: labels[kind]?.zh ?? kind, en: labels[kind]?.en ?? kind });
    if (rule.params.required?.length) groups.push({ ruleId: rule.id, citation: rule.citation, title: rule.title_zh ?? rule.id, items: rule.params.required.map(item), when: null });
    for (const c of rule.params.cases ?? []) {
      groups.push({ ruleId: rule.id, citation: rule.citation, title: rule.title_zh ?? rule.id, items: (c.require ?? []).map(item), when: c.when ?? null });
    }
  }
  return groups;
}

export function loadRule(pack: string, ruleId: string): Promise<PackRule & Record<string, unknown>> {
  return api.get(`/api/policy/packs/${encodeURIComponent(pack)}/rules/${encodeURIComponent(ruleId)}`);
}
