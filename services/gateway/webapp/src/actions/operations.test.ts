import { describe, expect, it } from "vitest";
import { hasMessage } from "../locales";
import { OPERATIONS, choicesOf, operationUrl, operationsFor } from "./operations";
import { availability, matchOperation } from "../pages/Project";
import { projectBound } from "../pages/Project/placement";
import { eventText } from "../components/labels";
import { translate } from "../locales";

describe("the action registry over the services' OpenAPI", () => {
  it("offers every registered operation with a name and a label for each of its fields", () => {
    expect(OPERATIONS.length).toBeGreaterThan(80);
    const unlabelled = new Set<string>();
    for (const op of OPERATIONS) {
      expect(hasMessage(`op.${op.key}`), op.key).toBe(true);
      for (const name of [...op.pathParams, ...(op.fields ?? []).map((f) => f.name), ...op.queryParams.map((p) => p.name)]) {
        if (!hasMessage(`field.${name}`)) unlabelled.add(name);
      }
    }
    expect([...unlabelled]).toEqual([]);
  });

  it("names every choice a form offers (no codes on screen)", () => {
    const unnamed = new Set<string>();
    for (const op of OPERATIONS) {
      for (const field of op.fields ?? []) {
        const choices = choicesOf(field.schema) ?? (field.schema.items ? choicesOf(field.schema.items) : null);
        for (const value of choices ?? []) if (!hasMessage(`code.${value}`)) unnamed.add(value);
      }
    }
    expect([...unnamed]).toEqual([]);
  });

  it("offers an action only to the roles the service lets through", () => {
    const leader = operationsFor(["mayor"], "project").map((op) => op.key);
    expect(leader).toContain("review POST /api/review/projects/{project_id}/approval");
    expect(leader).not.toContain("intake POST /api/intake/applications/{project_id}/admit");
    expect(operationsFor(["data_bureau"], "project").map((op) => op.key)).toContain("intake POST /api/intake/applications/{project_id}/admit");
  });

  it("fills path parameters and reads pattern choices", () => {
    const submit = OPERATIONS.find((op) => op.key.endsWith("/submit"))!;
    expect(operationUrl(submit, { project_id: "P 1" })).toBe("/api/intake/applications/P%201/submit");
    expect(choicesOf({ type: "string", pattern: "^(passed|failed|unknown)$" })).toEqual(["passed", "failed", "unknown"]);
    expect(choicesOf({ type: "string" })).toBeNull();
  });

  it("opens a to-do at its action and disables what cannot succeed yet, saying why", () => {
    const ops = operationsFor(["data_bureau"], "project");
    expect(matchOperation(ops, "admit")?.key).toBe("intake POST /api/intake/applications/{project_id}/admit");
    expect(matchOperation(ops, "scheme_review", "review")?.key).toBe("review POST /api/review/projects/{project_id}/scheme-review");
    expect(matchOperation(ops, "pre_acceptance_approval", "acceptance")?.key).toBe("acceptance POST /api/acceptance/projects/{project_id}/pre-acceptance");
    const unit = operationsFor(["unit"], "project");
    expect(matchOperation(unit, "contract", "procurement")?.key).toBe("procurement POST /api/procurement/projects/{project_id}/contracts");
    expect(matchOperation(unit, "technical_plan", "budget")?.key).toBe("budget POST /api/budget/projects/{project_id}/technical-plan");
    expect(matchOperation(unit, "performance_acceptance", "acceptance")?.key).toBe("acceptance POST /api/acceptance/projects/{project_id}/acceptance");
    // the life journeys' to-dos: finance's control-price review, the unit's retirement of a stopped system,
    // the joint review (each party's opinion; the leading office concludes)
    expect(matchOperation(operationsFor(["finance"], "project"), "control_price_review", "budget")?.key).toBe("budget POST /api/budget/projects/{project_id}/control-price/approval");
    const unitPage = [...unit, ...operationsFor(["unit"], "desk").filter(projectBound)]; // as the project page offers
    expect(matchOperation(unitPage, "retirement", "catalog")?.key).toBe("catalog POST /api/catalog/systems/{system_id}/retirement");
    expect(matchOperation(unit, "tender", "procurement")?.key).toBe("procurement POST /api/procurement/projects/{project_id}/tenders");
    expect(matchOperation(operationsFor(["drc"], "project"), "joint_review", "review")?.key).toBe("review POST /api/review/projects/{project_id}/joint-review/opinions");
    expect(matchOperation(operationsFor(["expert"], "project"), "joint_review", "review")?.key).toBe("review POST /api/review/projects/{project_id}/joint-review/opinions");
    expect(matchOperation(operationsFor(["leading_office"], "project"), "joint_review", "review")?.key).toBe("review POST /api/review/projects/{project_id}/joint-review");
    const admit = matchOperation(ops, "admit")!;
    expect(availability(admit, { intake: { status: "submitted" } })).toEqual({ ok: true });
    expect(availability(admit, { intake: { status: "draft" } })).toMatchObject({ ok: false, reason: "stage", code: "draft" });
    const acceptance = operationsFor(["unit"], "project").find((op) => op.path.endsWith("/acceptance"))!;
    expect(availability(acceptance, { acceptance: { stage: "contracted" } })).toMatchObject({ ok: false, code: "contracted" });
    expect(availability(acceptance, { acceptance: { stage: "pre_accepted" } })).toEqual({ ok: true });
    const estimate = ops.find((op) => op.key.endsWith("/estimate"))!;
    expect(availability(estimate, { intake: { status: "admitted" }, budget: null })).toMatchObject({ ok: false, reason: "not_reached", service: "budget" });
  });

  it("names timeline events in Chinese, approval steps by role", () => {
    const t = (key: string, vars?: Record<string, string | number>) => translate("zh-CN", key, vars);
    const label = (key: string, fallback?: string) => (hasMessage(key) ? t(key) : (fallback ?? key));
    expect(eventText(label, t, "application.admitted", hasMessage)).toBe("入库");
    expect(eventText(label, t, "approval.mayor.approved", hasMessage)).toBe("审批 · 市长：同意");
    expect(eventText(label, t, "scheme_review.failed", hasMessage)).toBe("方案评审未通过");
    expect(eventText(label, t, "trial_run", hasMessage)).toBe("试运行校验");
  });
});
