import { describe, expect, it } from "vitest";
import { OPERATIONS } from "../../actions/operations";
import type { Pack } from "../../services/policy";
import { acceptanceItems, prescreenChoices, projectBound, stepsBeforeTrialRun } from "./placement";

const bound = (key: string) => projectBound(OPERATIONS.find((op) => op.key === key)!);

describe("the project page's share of the desk", () => {
  it("offers a draw of experts, a bid, an award and a retirement on the project", () => {
    expect(bound("review POST /api/review/expert-draws")).toBe(true);
    expect(bound("procurement POST /api/procurement/tenders/{tender_id}/bids")).toBe(true);
    expect(bound("procurement POST /api/procurement/tenders/{tender_id}/award")).toBe(true);
    expect(bound("catalog POST /api/catalog/systems/{system_id}/retirement")).toBe(true);
    expect(bound("budget POST /api/budget/annual-budgets")).toBe(true); // its year's budget line
  });
  it("leaves the pool, suppliers and budgets on the desk", () => {
    expect(bound("review POST /api/review/experts")).toBe(false);
    expect(bound("procurement POST /api/procurement/suppliers")).toBe(false);
    expect(bound("budget POST /api/budget/om-budgets")).toBe(false);
    expect(bound("review POST /api/review/projects/{project_id}/scores")).toBe(false); // already the project's
  });
});

describe("acceptance steps before the trial run", () => {
  const pack = (steps: string[]): Pack => ({ id: "x", rules: [{ id: "acceptance.path", stage: "acceptance", citation: "x", params: { default: { steps } } }] });
  it("is Quzhou's 初验", () => {
    expect(stepsBeforeTrialRun(pack(["preliminary_acceptance", "trial_run", "final_acceptance_application", "final_acceptance"]))).toEqual(["preliminary_acceptance"]);
  });
  it("is nothing where the trial run comes first or the pack is not loaded", () => {
    expect(stepsBeforeTrialRun(pack(["trial_run", "pre_acceptance_approval", "performance_acceptance"]))).toEqual([]);
    expect(stepsBeforeTrialRun(pack(["performance_acceptance"]))).toEqual([]);
    expect(stepsBeforeTrialRun(null)).toEqual([]);
  });
});

describe("acceptance items from the pack", () => {
  const rule = (id: string, required: string[], labels: Record<string, { zh: string; en: string }>, cases: { require: string[] }[] = []) => ({
    id,
    stage: "acceptance",
    citation: "x",
    params: { supplied_fact: "acceptance_items", required, labels, cases },
  });
  const pack: Pack = {
    id: "quzhou",
    rules: [
      rule("acceptance.items", ["mlps_test"], { mlps_test: { zh: "信息安全等级保护测评", en: "MLPS test" }, hardware_energy_efficiency: { zh: "硬件设备能源利用效率", en: "hardware" } }, [{ require: ["hardware_energy_efficiency"] }]),
      rule("acceptance.data_dictionary", ["data_dictionary"], { data_dictionary: { zh: "向市大数据局提交数据字典", en: "data dictionary" } }),
      { id: "acceptance.path", stage: "acceptance", citation: "x", params: { default: { steps: ["trial_run"] } } },
    ],
  };
  it("starts a form with the always-required items and names every item in the pack's words", () => {
    const { options, required } = acceptanceItems(pack);
    expect(required).toEqual(["mlps_test", "data_dictionary"]);
    expect(options).toEqual([
      { value: "mlps_test", label: "信息安全等级保护测评" },
      { value: "hardware_energy_efficiency", label: "硬件设备能源利用效率" },
      { value: "data_dictionary", label: "向市大数据局提交数据字典" },
    ]);
    expect(acceptanceItems(pack, true).options[0].label).toBe("MLPS test");
    expect(acceptanceItems(null)).toEqual({ options: [], required: [] });
  });
});

describe("the pre-screening checklist", () => {
  const pack: Pack = {
    id: "fengxian",
    rules: [
      {
        id: "review.prescreening_panel",
        stage: "review",
        citation: "fengxian:第十六条",
        params: { supplied_fact: "prescreening_panel", required: ["data_bureau", "finance"], labels: { data_bureau: { zh: "区数据局", en: "data bureau" }, finance: { zh: "区财政局", en: "finance bureau" }, audit: { zh: "区审计局" } } },
      },
      {
        id: "review.prescreening_not_reviewed",
        stage: "review",
        citation: "fengxian:第十五条",
        params: { items: [{ id: "immature_scheme", zh: "项建方案不成熟", en: "the scheme is immature" }, { zh: "no id" }] },
      },
    ],
  };
  it("lists the panel's members, the required first and marked, and the findings, in the pack's words", () => {
    expect(prescreenChoices(pack, false, "（必须）")).toEqual({
      panel: [
        { value: "data_bureau", label: "区数据局（必须）" },
        { value: "finance", label: "区财政局（必须）" },
        { value: "audit", label: "区审计局" },
      ],
      findings: [{ value: "immature_scheme", label: "项建方案不成熟" }],
    });
    expect(prescreenChoices(pack, true).findings[0].label).toBe("the scheme is immature");
    expect(prescreenChoices(pack, true).panel[2].label).toBe("区审计局"); // no English: the Chinese rather than a code
  });
  it("is empty where the pack has no pre-screening", () => {
    expect(prescreenChoices(null)).toEqual({ panel: [], findings: [] });
  });
});
