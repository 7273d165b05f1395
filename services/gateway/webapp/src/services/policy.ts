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
  /** the facts that make the rule apply (e.g. fengxian's intake.om_kind: category equals om) */
  applies_when?: { fact: string | string[]; op: string; value?: unknown }[];
  params?: Record<string, unknown> & {
    supplied_fact?: string;
    required?: string[];
    labels?: Record<string, { zh?: string; en?: string }>;
    cases?: { when?: { fact: string; op: string; value?: unknown }; require?: string[] }[];
    /** fact → the values the text names for it, in its words (a form's choices) */
    choices?: Record<string, { id: string; zh: string; en?: string; quote?: string }[]>;
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

/** A fact of an application the unit states by picking one of the values its pack's text names (fengxian:第二条(四):
 * 首次运维项目 or 历史运维项目 for an O&M project), and the boxes to tick the text asks for once a value is picked. */
export interface StatedChoice {
  ruleId: string;
  citation: string;
  fact: string;
  options: { value: string; label: string }[];
  /** the category the rule applies to (its `applies_when` on `category`), or null when it applies to any */
  category: string | null;
  /** boolean facts required once `when` is picked (历史运维项目: the service content has changed) */
  confirmations: { when: string; fact: string; label: string }[];
}

export function statedChoices(pack: Pack | null, english = false): StatedChoice[] {
  const out: StatedChoice[] = [];
  for (const rule of pack?.rules ?? []) {
    if (rule.stage !== "intake" || !rule.params?.choices) continue;
    const labels = rule.params.labels ?? {};
    const words = (item: { zh?: string; en?: string } | undefined, fallback: string) => (english ? item?.en : item?.zh) ?? item?.zh ?? fallback;
    const category = rule.applies_when?.find((c) => c.fact === "category" && c.op === "equals");
    for (const [fact, choices] of Object.entries(rule.params.choices)) {
      const confirmations = (rule.params.cases ?? [])
        .filter((c) => c.when?.fact === fact && c.when.op === "equals")
        .flatMap((c) => (c.require ?? []).map((item) => ({ when: String(c.when!.value), fact: item, label: words(labels[item], item) })));
      out.push({
        ruleId: rule.id,
        citation: rule.citation,
        fact,
        options: choices.map((choice) => ({ value: choice.id, label: words(choice, choice.id) })),
        category: category ? String(category.value) : null,
        confirmations,
      });
    }
  }
  return out;
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
  /** `citation` names the item / band that decided (dazhou:第十条(二)); `article` is the whole article */
  article?: string | null;
  item_quote?: string | null;
}

/** The rules a unit's application meets at submission that the form alone can judge (intake's own list). */
export const SUBMISSION_PRECHECK = [
  "scope.min_investment",
  "scope.out_of_scope_items",
  "intake.window",
  "intake.required_materials",
  "intake.secure_products_statement",
  "intake.sharing_interface_plan",
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

/** One quotable item of a rule (a list item, an amount band, the collective route, a route case). */
export interface RuleItem {
  key: string;
  citation: string;
  quote: string | null;
  label_zh: string;
  label_en: string;
}

type Params = Record<string, unknown>;
const asList = (value: unknown): Params[] => (Array.isArray(value) ? (value as Params[]) : []);
const text = (value: unknown): string | null => (typeof value === "string" && value ? value : null);

/** The items a rule's params quote on their own (issue 19 §3), in the order of the text; the rule's own
 * citation stands in where an item has none. Only items with their own citation or words are listed. */
export function ruleItems(rule: Pick<PackRule, "citation"> & { params?: Params }): RuleItem[] {
  const params = rule.params ?? {};
  const items: RuleItem[] = [];
  const push = (key: string, citation: unknown, quote: unknown, zh: string, en: string) => {
    if (!text(citation) && !text(quote)) return;
    items.push({ key, citation: text(citation) ?? rule.citation, quote: text(quote), label_zh: zh, label_en: en });
  };
  asList(params.items).forEach((item, index) =>
    push(`item-${index}`, item.citation, item.quote, text(item.zh) ?? String(item.id ?? index), text(item.en) ?? String(item.id ?? index)),
  );
  asList(params.bands).forEach((band, index) => {
    const steps = asList(band.steps).join(" → ");
    push(`band-${index}`, band.citation, band.quote, `金额档次 ${index + 1}`, `band ${index + 1} ${steps}`);
  });
  const collective = params.collective as Params | undefined;
  if (collective) push("collective", collective.citation, collective.quote, "集体审议", "collective review");
  asList(params.cases).forEach((c, index) => push(`case-${index}`, c.citation, c.quote, `情形 ${index + 1}`, `case ${index + 1}`));
  push("default", params.default_citation, params.default_quote, "其他情形", "otherwise");
  return items;
}

/** Where a citation chip leads: the rule's page, and the quoted item on it when the citation names one. Without
 * the article beside it (an older stored decision), the page itself finds whether an item has that citation. */
export function citationHref(pack: string, ruleId: string, citation: string, article?: string | null): string {
  const base = `/policy/${encodeURIComponent(pack)}/${encodeURIComponent(ruleId)}`;
  return article === citation ? base : `${base}?item=${encodeURIComponent(citation)}`;
}

// --- policy impact analysis (issue 19 §6) ----------------------------------------------------------------

export interface ImpactDecision {
  outcome: string;
  value?: unknown;
  citation: string;
  pack_version: string;
  message_zh?: string;
  article?: string | null;
}

export interface ImpactChange {
  rule_id: string;
  title_zh: string;
  kind: "changed" | "removed" | "added" | "needs_facts";
  decided_on?: string | null;
  stored?: ImpactDecision | null;
  old?: ImpactDecision | null;
  new?: ImpactDecision | null;
  applies: "old" | "new";
  missing?: string[] | null;
}

export interface ProjectImpact {
  project_id: string;
  changes: ImpactChange[];
  stays_under_old_version: boolean;
  moves_to_new_version_on?: string | null;
}

export interface ImpactReport {
  service: string;
  pack: string;
  current_version: string;
  candidate_version: string;
  effective_from: string;
  diff: { added: string[]; removed: string[]; changed: { rule_id: string }[] };
  examined: number;
  truncated: boolean;
  projects: ProjectImpact[];
}

/** The services that decide with the packs and answer `POST /api/<service>/policy/impact`. */
export const IMPACT_SERVICES = ["budget", "procurement"] as const;

export interface MergedProject {
  project_id: string;
  changes: (ImpactChange & { service: string })[];
  stays_under_old_version: boolean;
  moves_to_new_version_on: string | null;
}

/** One row per project across services: a project stays under the old version only if it does in every one. */
export function mergeImpact(reports: ImpactReport[]): MergedProject[] {
  const byProject = new Map<string, MergedProject>();
  for (const report of reports) {
    for (const project of report.projects) {
      const row = byProject.get(project.project_id) ?? {
        project_id: project.project_id,
        changes: [],
        stays_under_old_version: true,
        moves_to_new_version_on: null,
      };
      row.changes.push(...project.changes.map((change) => ({ ...change, service: report.service })));
      row.stays_under_old_version &&= project.stays_under_old_version;
      row.moves_to_new_version_on = row.moves_to_new_version_on ?? project.moves_to_new_version_on ?? null;
      byProject.set(project.project_id, row);
    }
  }
  return [...byProject.values()].sort((a, b) => a.project_id.localeCompare(b.project_id));
}

/** Ask every deciding service; nothing is stored anywhere. */
export function analyseImpact(pack: string, candidate: string, effectiveFrom?: string | null): Promise<ImpactReport[]> {
  const body = { pack, candidate, ...(effectiveFrom ? { effective_from: effectiveFrom } : {}) };
  return Promise.all(IMPACT_SERVICES.map((service) => api.post<ImpactReport>(`/api/${service}/policy/impact`, body)));
}
