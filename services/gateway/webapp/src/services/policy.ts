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

export interface Decision {
  rule_id: string;
  citation: string;
  outcome: "pass" | "fail" | "info";
  message_zh: string;
  message_en: string;
  field?: string | null;
}

/** The rules a unit's application meets at submission that the form alone can judge (intake's own list). */
export const SUBMISSION_PRECHECK = [
  "scope.min_investment",
  "scope.out_of_scope_items",
  "intake.window",
  "intake.required_materials",
  "intake.upgrade_materials",
  "intake.om_materials",
];

/**
 * A dry run of the pack on what the form says now (nothing is stored): the decisions that would fail, shown
 * as warnings with their citations before the unit submits. Unknown to the pack → not asked.
 */
export async function precheck(pack: Pack, facts: Record<string, unknown>, ruleIds: string[], today: string): Promise<Decision[]> {
  const known = new Set(pack.rules.map((rule) => rule.id));
  const asked = ruleIds.filter((id) => known.has(id));
  if (!asked.length) return [];
  const answer = await api.post<{ decisions: Decision[] }>(`/api/policy/packs/${encodeURIComponent(pack.id)}/evaluate`, {
    stage: "intake",
    rule_ids: asked,
    facts: {
      scope_items: [],
      project_tags: [],
      priority_tags: [],
      materials: [],
      phased: false,
      is_secret: false,
      submitted_on: today,
      ...facts,
    },
  });
  return answer.decisions.filter((decision) => decision.outcome === "fail");
}
