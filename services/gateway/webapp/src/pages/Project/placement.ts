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
