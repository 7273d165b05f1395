import { describe, expect, it } from "vitest";
import { citationHref, mergeImpact, ruleItems, type ImpactReport } from "./policy";

const authority = {
  citation: "dazhou:第十条",
  params: {
    bands: [
      { to: 200, steps: ["vice_mayor_finance"], citation: "dazhou:第十条(一)", quote: "(一)总投资200万元以下的" },
      { from: 200, steps: ["mayor"], citation: "dazhou:第十条(二)", quote: "(二)总投资200万元以上" },
    ],
    collective: { when: "collective_review", steps: ["finance_committee"], citation: "dazhou:第十条", quote: "统一经市委财经委员会审议" },
  },
};

describe("rule items", () => {
  it("lists each band and the collective route with its own citation and words", () => {
    const items = ruleItems(authority);
    expect(items.map((item) => item.citation)).toEqual(["dazhou:第十条(一)", "dazhou:第十条(二)", "dazhou:第十条"]);
    expect(items[1].quote).toBe("(二)总投资200万元以上");
  });

  it("lists list items that have a citation or quote and skips the bare ones", () => {
    const items = ruleItems({
      citation: "dazhou:第九条",
      params: { items: [{ id: "a", zh: "甲", en: "a", quote: "新需求不清晰" }, { id: "b", zh: "乙", en: "b" }] },
    });
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ citation: "dazhou:第九条", quote: "新需求不清晰", label_zh: "甲" });
  });
});

describe("citation links", () => {
  it("lead to the quoted item when the citation names one", () => {
    expect(citationHref("dazhou", "approval.authority", "dazhou:第十条(二)", "dazhou:第十条")).toBe(
      `/policy/dazhou/approval.authority?item=${encodeURIComponent("dazhou:第十条(二)")}`,
    );
  });

  it("lead to the rule when the citation is the whole article", () => {
    expect(citationHref("dazhou", "approval.authority", "dazhou:第十条", "dazhou:第十条")).toBe("/policy/dazhou/approval.authority");
    // no article known: the page looks the citation up among the rule's items
    expect(citationHref("dazhou", "approval.authority", "dazhou:第十条(一)")).toContain("?item=");
  });
});

const report = (service: string, projects: ImpactReport["projects"]): ImpactReport => ({
  service,
  pack: "dazhou",
  current_version: "a",
  candidate_version: "b",
  effective_from: "2027-01-01",
  diff: { added: [], removed: [], changed: [] },
  examined: 3,
  truncated: false,
  projects,
});
const change = (rule_id: string, applies: "old" | "new") => ({ rule_id, title_zh: rule_id, kind: "changed" as const, applies });

describe("impact across services", () => {
  it("merges one project's changes from every service and moves it if any service moves it", () => {
    const merged = mergeImpact([
      report("budget", [{ project_id: "P-2", changes: [change("budget.x", "old")], stays_under_old_version: true }]),
      report("procurement", [
        { project_id: "P-2", changes: [change("procurement.supplement_cap", "new")], stays_under_old_version: false, moves_to_new_version_on: "2027-01-01" },
        { project_id: "P-1", changes: [change("procurement.supplement_cap", "old")], stays_under_old_version: true },
      ]),
    ]);
    expect(merged.map((p) => p.project_id)).toEqual(["P-1", "P-2"]);
    expect(merged[1].changes.map((c) => c.service)).toEqual(["budget", "procurement"]);
    expect(merged[1].stays_under_old_version).toBe(false);
    expect(merged[1].moves_to_new_version_on).toBe("2027-01-01");
    expect(merged[0].stays_under_old_version).toBe(true);
  });
});
