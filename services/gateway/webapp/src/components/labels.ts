// Labels of codes through the catalogue (stage, role, jurisdiction, timeline action), with a readable fallback.
import type { TodoItem } from "../services/portfolio";

type Label = (key: string, fallback?: string) => string;

export function stageText(label: Label, service: string | null | undefined, stage: string | null | undefined, zh?: string | null): string {
  if (!stage) return "—";
  return label(`stage.${service}.${stage}`, zh ?? stage);
}

export function todoActionText(label: Label, t: (k: string, v?: Record<string, string | number>) => string, item: TodoItem): string {
  if (item.action === "approval" && item.position) return t("workbench.approve_step", { n: item.position });
  if (item.action === "scores") return t("workbench.expert_task");
  return label(`todo.${item.action}`, item.action_label_zh ?? item.action);
}

/** Where a to-do opens: the leader's approval page, else the project at that action. */
export function todoHref(item: TodoItem): string {
  if (item.service === "review" && item.action === "approval") return `/approvals?project=${encodeURIComponent(item.project_id)}`;
  const query = new URLSearchParams({ action: item.action, service: item.service });
  return `/projects/${encodeURIComponent(item.project_id)}?${query}`;
}

type Translate = (key: string, vars?: Record<string, string | number>) => string;

/** A timeline action code → what a department reads: a known event, an approval step, a path step's outcome. */
export function eventText(label: Label, t: Translate, action: string | undefined | null, has: (key: string) => boolean): string {
  if (!action) return "—";
  if (has(`event.${action}`)) return t(`event.${action}`);
  const step = /^(approval|supplement)\.([a-z_]+)\.(approved|rejected|pending)$/.exec(action);
  if (step) {
    return t(step[1] === "supplement" ? "event.supplement_step" : "event.approval_step", {
      role: label(`role.${step[2]}`, step[2]),
      status: label(`step.${step[3]}`, step[3]),
    });
  }
  if (has(`pathstep.${action}`)) return t("event.check", { step: t(`pathstep.${action}`) });
  const suffixed = /^([a-z_]+)\.([a-z_]+)$/.exec(action);
  if (suffixed && has(`event.suffix.${suffixed[2]}`)) {
    const subject = has(`pathstep.${suffixed[1]}`) ? t(`pathstep.${suffixed[1]}`) : label(`event.${suffixed[1]}`, suffixed[1]);
    return t(`event.suffix.${suffixed[2]}`, { step: subject });
  }
  return action;
}
