import { describe, expect, it } from "vitest";
import { OPERATIONS } from "../../actions/operations";
import type { Pack } from "../../services/policy";
import { acceptanceItems, projectBound, stepsBeforeTrialRun } from "./placement";

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
