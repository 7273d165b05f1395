// Which actions the project page offers beyond its own: the desk's that concern one project, and the
// acceptance steps a route holds before its trial run.
import type { Operation } from "../../actions/operations";
import type { Pack } from "../../services/policy";

/** Path parameters a dossier can fill from what it shows (the project's tenders, its systems in the catalog). */
const PROJECT_PATH_PARAMS = ["tender_id", "system_id"];

/** The not-project-bound (业务办理) operations that belong on a project's page as well: a draw of experts for
 * it, a bid or an award on one of its tenders, its system's retirement. */
export function projectBound(op: Operation): boolean {
  if (op.entry !== "desk") return false;
  if (op.fields?.some((field) => field.name === "project_id")) return true;
  return op.pathParams.length === 1 && PROJECT_PATH_PARAMS.includes(op.pathParams[0]);
}

/** The acceptance steps a route holds before its trial run (Quzhou's 初验 while the system is being built). */
export function stepsBeforeTrialRun(pack: Pack | null): string[] {
  const route = pack?.rules.find((rule) => rule.id === "acceptance.path")?.params as { default?: { steps?: string[] } } | undefined;
  const steps = route?.default?.steps ?? [];
  const trial = steps.indexOf("trial_run");
  return trial > 0 ? steps.slice(0, trial) : [];
}

/** The acceptance items a jurisdiction names (its rules reading the `acceptance_items` fact): the choices of an
 * item's 检查项 in the pack's words, and the rows an acceptance form starts with (those always required). */
export function acceptanceItems(pack: Pack | null, english = false): { options: { value: string; label: string }[]; required: string[] } {
  const labels = new Map<string, string>();
  const required: string[] = [];
  for (const rule of pack?.rules ?? []) {
    if (rule.params?.supplied_fact !== "acceptance_items") continue;
    for (const kind of rule.params.required ?? []) if (!required.includes(kind)) required.push(kind);
    for (const [kind, text] of Object.entries(rule.params.labels ?? {})) labels.set(kind, (english ? text.en : text.zh) ?? text.zh ?? kind);
    for (const kind of (rule.params.cases ?? []).flatMap((c) => c.require ?? [])) if (!labels.has(kind)) labels.set(kind, kind);
  }
  for (const kind of required) if (!labels.has(kind)) labels.set(kind, kind);
  return { options: [...labels].map(([value, label]) => ({ value, label })), required };
}

/** The pre-screening panel's checklist (前置初审, fengxian:第十五条–第十六条) in the pack's words: the members the
 * panel must have (each a box to tick, the required ones marked) and the findings that put a project on the
 * "not reviewed" list (each a box to tick). Empty where the pack has no pre-screening. */
export function prescreenChoices(pack: Pack | null, english = false, requiredMark = ""): { panel: { value: string; label: string }[]; findings: { value: string; label: string }[] } {
  const rule = (id: string) => pack?.rules.find((candidate) => candidate.id === id);
  const panelRule = rule("review.prescreening_panel");
  const required = panelRule?.params?.required ?? [];
  const labels = panelRule?.params?.labels ?? {};
  const members = [...required, ...Object.keys(labels).filter((member) => !required.includes(member))];
  const panel = members.map((member) => {
    const text = (english ? labels[member]?.en : labels[member]?.zh) ?? labels[member]?.zh ?? member;
    return { value: member, label: required.includes(member) && requiredMark ? `${text}${requiredMark}` : text };
  });
  const listed = (rule("review.prescreening_not_reviewed")?.params?.items ?? []) as { id?: string; zh?: string; en?: string }[];
  const findings = listed.filter((item) => item.id).map((item) => ({ value: item.id!, label: (english ? item.en : item.zh) ?? item.zh ?? item.id! }));
  return { panel, findings };
}
