import { describe, expect, it } from "vitest";
import { statedChoices, type Pack } from "../../services/policy";
import { choiceShown, detailsToSend } from "./details";

// Fengxian's intake.om_kind as the policy API serves it (shared/policy/packs/fengxian.yaml, fengxian:第二条(四)).
const fengxian: Pack = {
  id: "fengxian",
  rules: [
    {
      id: "intake.om_kind",
      stage: "intake",
      kind: "requirement",
      citation: "fengxian:第二条(四)",
      applies_when: [{ fact: "category", op: "equals", value: "om" }],
      params: {
        required: ["om_kind_stated"],
        cases: [{ when: { fact: "om_kind", op: "equals", value: "historical" }, require: ["service_content_changed"] }],
        labels: {
          om_kind_stated: { zh: "已说明首次运维或历史运维", en: "first or historical O&M stated" },
          service_content_changed: { zh: "运维服务内容发生变化（历史运维项目）", en: "the O&M service content has changed (historical O&M)" },
        },
        choices: {
          om_kind: [
            { id: "first", zh: "首次运维项目", en: "first O&M project", quote: "首次运维项目,即原项目验收后首次申报运维的项目" },
            { id: "historical", zh: "历史运维项目", en: "historical O&M project" },
          ],
        },
      },
    },
    { id: "intake.required_materials", stage: "intake", citation: "fengxian:第十条", params: { supplied_fact: "materials", required: ["construction_plan"] } },
  ],
};

describe("an application's facts stated by a choice of the pack", () => {
  it("offers Fengxian's O&M kinds in the pack's words, for an O&M project, with the confirmation 历史运维 needs", () => {
    const [omKind, ...others] = statedChoices(fengxian);
    expect(others).toEqual([]);
    expect(omKind).toEqual({
      ruleId: "intake.om_kind",
      citation: "fengxian:第二条(四)",
      fact: "om_kind",
      options: [
        { value: "first", label: "首次运维项目" },
        { value: "historical", label: "历史运维项目" },
      ],
      category: "om",
      confirmations: [{ when: "historical", fact: "service_content_changed", label: "运维服务内容发生变化（历史运维项目）" }],
    });
    expect(statedChoices(fengxian, true)[0].options.map((o) => o.label)).toEqual(["first O&M project", "historical O&M project"]);
    expect(choiceShown(omKind, "om")).toBe(true);
    expect(choiceShown(omKind, "application")).toBe(false);
  });

  it("is nothing where the pack names no choices (the other jurisdictions) or is not loaded", () => {
    expect(statedChoices({ id: "dazhou", rules: [fengxian.rules[1]] })).toEqual([]);
    expect(statedChoices(null)).toEqual([]);
  });

  it("sends a stated fact only while the form shows it", () => {
    const choices = statedChoices(fengxian);
    const details = { performance_goals: "上线", om_kind: "historical", service_content_changed: true, basis: "" };
    expect(detailsToSend(details, choices, "om")).toEqual({ performance_goals: "上线", om_kind: "historical", service_content_changed: true });
    // back to 首次运维: the confirmation of a historical one is not sent
    expect(detailsToSend({ ...details, om_kind: "first" }, choices, "om")).toEqual({ performance_goals: "上线", om_kind: "first" });
    // no longer an O&M project: neither is
    expect(detailsToSend(details, choices, "application")).toEqual({ performance_goals: "上线" });
  });
});
