// The cross-service reads of the workbench: the read model's to-do list and library
// (/api/catalog/portfolio/...), and until it is served, the services' own lists as a fallback.
import { api, optional, type User } from "./api";

export interface TodoItem {
  project_id: string;
  title: string | null;
  unit: string | null;
  jurisdiction: string | null;
  service: string;
  stage: string | null;
  stage_label_zh?: string | null;
  action: string;
  action_label_zh?: string | null;
  role: string | null;
  due_on: string | null;
  overdue: boolean;
  since: string | null;
  /** 已办: when the action was taken */
  closed_at?: string | null;
  /** extra for the fallback: the approval step number, the amount, whether the title is withheld */
  position?: number;
  secret?: boolean;
  total_investment_fen?: number | null;
}

export interface Todos {
  items: TodoItem[];
  total: number;
  counts?: { by_role?: Record<string, number> };
  /** where the list came from: the read model, or the services' own lists */
  source: "portfolio" | "services";
}

export interface Money {
  total_investment_fen?: number | null;
  approved_investment_fen?: number | null;
  estimate_fen?: number | null;
  contracted_fen?: number | null;
  released_fen?: number | null;
  paid_fen?: number | null;
}

/** A row of the read model's project library (amounts null when hidden from the caller). */
export interface PortfolioProject {
  project_id: string;
  title: string | null;
  unit: string;
  jurisdiction: string;
  secret: boolean;
  stage: string;
  stage_label_zh: string;
  plan_year: number | null;
  money: Money;
  next_due_on: string | null;
  overdue: boolean;
}

export interface PortfolioDossier extends PortfolioProject {
  dates: Record<string, string | null>;
  deadlines: { service: string; rule_id: string; citation: string; description: string; due_on: string; status: string; colour: string | null; role: string }[];
  todos: TodoItem[];
}

/** The read model's dossier of one project (stage, money, deadlines, to-dos), or null while it is not served. */
export function loadDossier(projectId: string): Promise<PortfolioDossier | null> {
  return optional(api.get<PortfolioDossier>(`/api/catalog/portfolio/projects/${encodeURIComponent(projectId)}`)).catch(() => null);
}

export interface Page<T> {
  items: T[];
  total?: number | null;
  next_cursor?: string | null;
}

/** Sort a to-do list as people work it: overdue first, then by deadline (none last), then oldest first. */
export function sortTodos(items: TodoItem[]): TodoItem[] {
  return [...items].sort((a, b) => {
    if (a.overdue !== b.overdue) return a.overdue ? -1 : 1;
    const dueA = a.due_on ?? "9999-12-31";
    const dueB = b.due_on ?? "9999-12-31";
    if (dueA !== dueB) return dueA < dueB ? -1 : 1;
    return (a.since ?? "") < (b.since ?? "") ? -1 : 1;
  });
}

const LEADERS = ["vice_mayor_unit", "vice_mayor_digital", "vice_mayor_finance", "mayor", "executive_meeting", "standing_committee", "finance_committee"];

interface Application {
  id: string;
  title: string | null;
  unit: string;
  jurisdiction: string;
  status: string;
  stage: string;
  total_investment_fen: number | null;
  submitted_at: string | null;
  updated_at: string | null;
  plan_year: number | null;
  secret: boolean;
}

async function fallbackTodos(user: User): Promise<TodoItem[]> {
  const has = (...roles: string[]) => user.roles.some((role) => roles.includes(role));
  const reads: Promise<TodoItem[]>[] = [];
  if (has(...LEADERS)) {
    reads.push(
      api
        .get<{ items: { project_id: string; unit: string; jurisdiction: string; title: string | null; secret: boolean; role: string; position: number; total_investment_fen: number | null }[] }>(
          "/api/review/approvals/pending",
        )
        .then((answer) =>
          answer.items.map((item) => ({
            project_id: item.project_id,
            title: item.title,
            unit: item.unit,
            jurisdiction: item.jurisdiction,
            service: "review",
            stage: "awaiting_approval",
            action: "approval",
            role: item.role,
            due_on: null,
            overdue: false,
            since: null,
            position: item.position,
            secret: item.secret,
            total_investment_fen: item.total_investment_fen,
          })),
        ),
    );
  }
  if (has("expert")) {
    reads.push(
      api.get<{ items: { project_id: string; drawn_on: string; purpose: string }[] }>("/api/review/assignments").then((answer) =>
        answer.items.map((item) => ({
          project_id: item.project_id,
          title: null,
          unit: null,
          jurisdiction: null,
          service: "review",
          stage: "in_review",
          action: "scores",
          role: "expert",
          due_on: null,
          overdue: false,
          since: item.drawn_on,
        })),
      ),
    );
  }
  const fromLibrary = (status: string, action: string, role: string) =>
    api.get<Page<Application>>("/api/intake/applications", { status, limit: 100 }).then((page) =>
      page.items.map((app) => ({
        project_id: app.id,
        title: app.title,
        unit: app.unit,
        jurisdiction: app.jurisdiction,
        service: "intake",
        stage: app.status,
        action,
        role,
        due_on: null,
        overdue: false,
        since: app.submitted_at ?? app.updated_at,
        secret: app.secret,
        total_investment_fen: app.total_investment_fen,
      })),
    );
  if (has("data_bureau")) reads.push(fromLibrary("submitted", "admit", "data_bureau"));
  if (has("unit")) reads.push(fromLibrary("draft", "submit", "unit"));
  const settled = await Promise.allSettled(reads);
  return settled.flatMap((result) => (result.status === "fulfilled" ? result.value : []));
}

/** My to-do list: the read model's when it is served, else composed from the services' own lists. */
export async function loadTodos(user: User): Promise<Todos> {
  const portfolio = await optional(api.get<Omit<Todos, "source">>("/api/catalog/portfolio/todos")).catch(() => null);
  if (portfolio && Array.isArray(portfolio.items)) {
    // A leader's approvals come from review itself too: the read model follows events and may lag a step.
    const extra = user.roles.some((role) => LEADERS.includes(role)) ? await fallbackTodos({ ...user, roles: user.roles.filter((r) => LEADERS.includes(r)) }) : [];
    const known = new Set(portfolio.items.map((item) => `${item.project_id}:${item.action}`));
    const items = [...portfolio.items, ...extra.filter((item) => !known.has(`${item.project_id}:${item.action}`))];
    return { ...portfolio, items: sortTodos(items), total: items.length, source: "portfolio" };
  }
  const items = sortTodos(await fallbackTodos(user));
  return { items, total: items.length, source: "services" };
}


/** My unit's applications (我的申报), newest first. */
export function loadMyApplications(): Promise<Page<Application>> {
  return api.get<Page<Application>>("/api/intake/applications", { limit: 100 });
}

export type { Application };

/** 已办: the actions of my roles (my unit's, for unit staff) that were taken, newest first; empty while the
 * read model is not served (the services keep no such list). */
export async function loadDone(): Promise<TodoItem[]> {
  const answer = await optional(api.get<Omit<Todos, "source">>("/api/catalog/portfolio/todos", { status: "done", limit: 100 })).catch(() => null);
  return answer?.items ?? [];
}

/** 我的项目: my unit's projects past the draft (the read model's library is scoped to the caller's unit). */
export async function loadMyProjects(): Promise<PortfolioProject[]> {
  const answer = await optional(api.get<Page<PortfolioProject>>("/api/catalog/portfolio/projects", { limit: 100, sort: "created" })).catch(() => null);
  return answer?.items ?? [];
}
