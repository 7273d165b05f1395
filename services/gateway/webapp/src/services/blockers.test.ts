import { describe, expect, it } from "vitest";
import { addPeriod, blockerFor } from "./blockers";
import type { Pack } from "./policy";

const DAZHOU: Pack = {
  id: "dazhou",
  rules: [
    { id: "acceptance.trial_run", stage: "acceptance", citation: "dazhou:第四十七条", title_zh: "试运行不低于1个月", params: { unit: "months", not_before: 1 } },
    {
      id: "budget.payment_requires_acceptance",
      stage: "budget",
      citation: "dazhou:第四十九条",
      title_zh: "资金拨付须有验收前置核准复函和履约验收报告",
      params: {
        required: ["pre_acceptance_approval_letter", "acceptance_report"],
        labels: { pre_acceptance_approval_letter: { zh: "履约验收前书面核准复函" }, acceptance_report: { zh: "履约验收报告" } },
      },
    },
  ],
};
const QUZHOU: Pack = {
  id: "quzhou",
  rules: [{ id: "budget.payment_requires_acceptance", stage: "budget", citation: "quzhou:三(四)", params: { required: ["signed_contract"] } }],
};
const PRE = { service: "acceptance", path: "/api/acceptance/projects/{project_id}/pre-acceptance" };
const RELEASE = { service: "budget", path: "/api/budget/projects/{project_id}/releases" };

describe("blockers", () => {
  it("counts months as the pack does, to the corresponding day or the month's last", () => {
    expect(addPeriod("2026-03-15", 1, "months")).toBe("2026-04-15");
    expect(addPeriod("2026-01-31", 1, "months")).toBe("2026-02-28");
    expect(addPeriod("2026-01-31", 1, "working_days")).toBeNull();
  });

  it("holds the steps after the trial run until the month is up, naming the date and the article", () => {
    const state = { acceptance: { stage: "trial_run", trial_started_on: "2026-03-15" } };
    const blocked = blockerFor(PRE, state, DAZHOU, "2026-04-14");
    expect(blocked).toMatchObject({ from: "2026-04-15", citation: "dazhou:第四十七条", ruleId: "acceptance.trial_run", pack: "dazhou" });
    expect(blockerFor(PRE, state, DAZHOU, "2026-04-15")).toBeNull();
    // starting the trial run itself, and other stages, are not held
    expect(blockerFor({ ...PRE, path: "/api/acceptance/projects/{project_id}/trial-run" }, state, DAZHOU, "2026-03-16")).toBeNull();
    expect(blockerFor(PRE, { acceptance: { stage: "contracted" } }, DAZHOU, "2026-03-16")).toBeNull();
  });

  it("holds a release until the acceptance documents are in where the pack requires them", () => {
    const before = { budget: { acceptance_documents: ["pre_acceptance_approval_letter"] } };
    expect(blockerFor(RELEASE, before, DAZHOU, "2026-05-01")).toMatchObject({ missing: ["履约验收报告"], citation: "dazhou:第四十九条" });
    const after = { budget: { acceptance_documents: ["pre_acceptance_approval_letter", "acceptance_report"] } };
    expect(blockerFor(RELEASE, after, DAZHOU, "2026-05-01")).toBeNull();
    // Quzhou pays by contract and progress: nothing to wait for
    expect(blockerFor(RELEASE, { budget: { acceptance_documents: [] } }, QUZHOU, "2026-05-01")).toBeNull();
  });
});
