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
  return `/projects/${encodeURIComponent(item.project_id)}?action=${encodeURIComponent(item.action)}`;
}
