// Why an action cannot succeed yet, from the facts the services show and the pack's rules: the date it
// becomes possible and the article that says so (issue 17: no action offered before it can succeed).
// The services decide; this only spares people a refusal they could have seen coming.
import dayjs from "dayjs";
import type { Pack, PackRule } from "./policy";

export interface Blocker {
  ruleId: string;
  citation: string;
  pack: string;
  /** the rule's title in the reader's language */
  title: string;
  /** the first day the action can succeed, when the rule fixes one (ISO date) */
  from?: string;
  /** what is still missing (labels in the reader's language), for requirement rules */
  missing?: string[];
}

/** The acceptance steps that close the trial run (each fixes `trial_run_ended_on` on the service). */
const AFTER_TRIAL_RUN = [
  "/pre-acceptance",
  "/application",
  "/organise",
  "/acceptance",
  "/final-acceptance/application",
  "/final-acceptance",
  "/completion-acceptance",
];

type State = Record<string, Record<string, unknown> | null>;

function rule(pack: Pack | null, id: string): PackRule | undefined {
  return pack?.rules.find((r) => r.id === id);
}

function title(r: PackRule, english: boolean): string {
  return (english ? r.title_en : r.title_zh) ?? r.title_zh ?? r.id;
}

/** The pack's period arithmetic (shared/policy/evaluate.py add_period) for the units the UI meets. */
export function addPeriod(start: string, amount: number, unit: string): string | null {
  const day = dayjs(start);
  if (!day.isValid()) return null;
  if (unit === "months") return day.add(amount, "month").format("YYYY-MM-DD");
  if (unit === "years") return day.add(amount, "year").format("YYYY-MM-DD");
  if (unit === "calendar_days") return day.add(amount, "day").format("YYYY-MM-DD");
  return null; // working days need the work calendar: the service says
}

/** The blocker of `op` (service + path) now, or null when nothing known stands in its way. */
export function blockerFor(
  op: { service: string; path: string },
  state: State,
  pack: Pack | null,
  today: string,
  english = false,
): Blocker | null {
  const acceptance = state.acceptance;
  if (op.service === "acceptance" && acceptance?.stage === "trial_run" && AFTER_TRIAL_RUN.some((tail) => op.path.endsWith(tail))) {
    const trial = rule(pack, "acceptance.trial_run");
    const started = acceptance.trial_started_on as string | null | undefined;
    const p = trial?.params as { not_before?: number; unit?: string } | undefined;
    if (trial && started && p?.not_before != null && p.unit) {
      const from = addPeriod(started, p.not_before, p.unit);
      if (from && today < from) return { ruleId: trial.id, citation: trial.citation, pack: pack!.id, title: title(trial, english), from };
    }
  }
  if (op.service === "budget" && op.path.endsWith("/releases") && state.budget) {
    const payment = rule(pack, "budget.payment_requires_acceptance");
    const documents = (state.budget.acceptance_documents as string[] | undefined) ?? [];
    const labels = payment?.params?.labels ?? {};
    const missing = (payment?.params?.required ?? []).filter((name) => name !== "signed_contract" && !documents.includes(name));
    if (payment && missing.length) {
      return {
        ruleId: payment.id,
        citation: payment.citation,
        pack: pack!.id,
        title: title(payment, english),
        missing: missing.map((name) => (english ? labels[name]?.en : labels[name]?.zh) ?? name),
      };
    }
  }
  return null;
}
