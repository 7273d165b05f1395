import { describe, expect, it } from "vitest";
import { hasMessage, translate } from "../locales";
import type { Pack } from "../services/policy";
import { jointOpinionRows, jointPanel, waitingParties } from "./jointOpinions";

const t = (key: string, vars?: Record<string, string | number>) => translate("zh-CN", key, vars);
const label = (key: string, fallback?: string) => (hasMessage(key) ? t(key) : (fallback ?? key));

describe("the joint review's opinions for the leading office", () => {
  const opinions = [
    { party: "expert", expert_id: "E-7", expert_name: "张工", agrees: true, comment: "技术路线可行", at: "2026-12-03T02:30:00Z" },
    { party: "cyberspace", agrees: false, comment: "需补充安全方案", at: "2026-12-02T08:00:00Z" },
    { party: "unit", agrees: true, comment: "", at: "2026-12-02T09:00:00Z" },
  ];

  it("names each party in plain Chinese, an expert by name, oldest first", () => {
    const rows = jointOpinionRows(opinions, t, label);
    expect(rows.map((row) => [row.who, row.agrees, row.comment])).toEqual([
      ["网信办", false, "需补充安全方案"],
      ["建设单位", true, ""],
      ["评审专家 张工", true, "技术路线可行"],
    ]);
    expect(rows.map((row) => row.key)).toEqual(["cyberspace", "unit", "expert:E-7"]);
    expect(rows[2].at).toMatch(/^2026-12-0[34] \d{2}:\d{2}$/); // local time, to the minute
    expect(rows.every((row) => !/[A-Za-z]/.test(row.who))).toBe(true);
  });

  it("does not title an expert twice when the recorded name carries the title", () => {
    const rows = jointOpinionRows(
      [{ party: "expert", expert_id: "E-9", expert_name: "评审专家 李工", agrees: true, comment: "", at: "2026-12-03T02:30:00Z" }],
      t,
      label,
    );
    expect(rows[0].who).toBe("评审专家 李工");
  });

  it("is empty before any opinion", () => {
    expect(jointOpinionRows(undefined, t, label)).toEqual([]);
    expect(jointOpinionRows([], t, label)).toEqual([]);
  });
});

describe("the parties still to give their opinion", () => {
  // Quzhou's review.joint_review_panel as the policy API serves it (quzhou:三(二)1)
  const quzhou: Pack = {
    id: "quzhou",
    rules: [
      {
        id: "review.joint_review_panel",
        stage: "review",
        citation: "quzhou:三(二)1",
        params: {
          supplied_fact: "joint_review_opinions",
          required: ["unit", "cyberspace", "drc", "expert"],
          labels: { unit: { zh: "业务需求单位", en: "requesting unit" }, cyberspace: { zh: "市委网信办", en: "cyberspace office" }, drc: { zh: "市发改委" }, expert: { zh: "信息化等相关专家", en: "IT experts" } },
        },
      },
    ],
  };

  it("names, in the pack's words, every party with no opinion yet; one expert's opinion hears the experts", () => {
    const panel = jointPanel(quzhou);
    expect(waitingParties(panel, [])).toEqual(["业务需求单位", "市委网信办", "市发改委", "信息化等相关专家"]);
    const given = [
      { party: "cyberspace", agrees: false, comment: "", at: "2026-12-02T08:00:00Z" },
      { party: "expert", expert_id: "E-7", agrees: true, comment: "", at: "2026-12-02T09:00:00Z" },
    ];
    expect(waitingParties(panel, given)).toEqual(["业务需求单位", "市发改委"]);
    expect(jointPanel(quzhou, true).map((member) => member.label)).toEqual(["requesting unit", "cyberspace office", "市发改委", "IT experts"]);
    expect(jointPanel(null)).toEqual([]);
  });
});
