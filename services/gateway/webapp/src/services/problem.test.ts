import { describe, expect, it } from "vitest";
import { translate } from "../locales";
import { apiFieldOf, explainProblem, fieldPath, problemTitle, splitCitation, wanFormField } from "./problem";

const zh = (key: string, vars?: Record<string, string | number>) => translate("zh-CN", key, vars);
const en = (key: string, vars?: Record<string, string | number>) => translate("en-US", key, vars);

describe("RFC 9457 problems in plain words", () => {
  const validation = {
    type: "https://govproj.example.gov.cn/problems/validation",
    title: "字段校验失败 / Invalid fields",
    status: 422,
    errors: [
      { field: "total_investment_fen", message: "Input should be greater than 0", type: "greater_than" },
      { field: "title", message: "Field required", type: "missing" },
      { field: "details.performance_goals", message: "String should have at least 1 character", type: "string_too_short" },
    ],
  };

  it("names every field at once by the form's own field, in Chinese, without pydantic's English", () => {
    const explained = explainProblem(validation, zh, wanFormField);
    expect(explained.title).toBe("填写的内容有误");
    expect(explained.fields.map((f) => [f.formField, f.message])).toEqual([
      ["total_investment_wan", "必须大于 0"],
      ["title", "必填"],
      ["details.performance_goals", "不能为空或过短"],
    ]);
    expect(JSON.stringify(explained)).not.toContain("Input should be");
  });

  it("keeps each violated rule with its citation, and puts a rule's field under its input", () => {
    const explained = explainProblem(
      {
        type: "https://govproj.example.gov.cn/problems/rule-violation",
        status: 422,
        violations: [
          { rule_id: "contract.duration", citation: "dazhou:第四十条", message_zh: "合同期限不得超过一年", message_en: "At most one year", field: "planned_completion" },
          { rule_id: "release.after_acceptance", citation: "dazhou:第四十九条", message_zh: "验收后方可拨付", message_en: "Only after acceptance" },
        ],
      },
      zh,
    );
    expect(explained.title).toBe("不符合项目管理规定");
    expect(explained.violations).toHaveLength(2);
    expect(explained.fields).toEqual([{ apiField: "planned_completion", formField: "planned_completion", message: "合同期限不得超过一年" }]);
    expect(splitCitation("dazhou:第四十九条")).toEqual({ pack: "dazhou", article: "第四十九条" });
  });

  it("says where the project is for a wrong-stage refusal, and never shows an HTTP code", () => {
    const explained = explainProblem({ type: "https://x/problems/wrong-stage", status: 409, stage: "draft" }, zh);
    expect(explained.title).toBe("项目当前阶段不能办理此事项");
    expect(explained.general[0]).toContain("draft");
    expect(problemTitle({ status: 503, type: "https://x/problems/service-unavailable" }, zh)).toBe("相关业务系统暂时无法访问，请稍后再试");
    expect(problemTitle({ status: 418 }, zh)).not.toMatch(/\d{3}/);
    expect(problemTitle({ status: 0 }, zh)).toBe("无法连接平台，请检查网络");
  });

  it("speaks English when English is chosen", () => {
    expect(explainProblem(validation, en, wanFormField).fields[1].message).toBe("Required");
  });

  it("reads a nested field in every spelling and hands the form a name path when it maps to one", () => {
    expect(fieldPath("body.items.2.amount_fen")).toEqual(["items", 2, "amount_fen"]);
    expect(fieldPath("items[2].amount_fen")).toEqual(["items", 2, "amount_fen"]);
    expect(fieldPath("/items/2/amount_fen")).toEqual(["items", 2, "amount_fen"]);
    expect(fieldPath("/a~1b/0")).toEqual(["a/b", 0]);
    expect(apiFieldOf("/items/2/amount_fen")).toBe("items.2.amount_fen");
    const explained = explainProblem(
      {
        status: 422,
        errors: [{ field: "items.2.amount_fen", type: "greater_than", message: "Input should be greater than 0" }],
        violations: [{ rule_id: "x", citation: "dazhou:第一条", message_zh: "不合格", message_en: "no", field: "/items/0/passed" }, { rule_id: "y", citation: "dazhou:第二条", message_zh: "另一条", message_en: "other", field: "elsewhere" }],
      },
      zh,
      (field) => (field.startsWith("items.") ? fieldPath(field) : null),
    );
    expect(explained.fields.map((f) => [f.apiField, f.formField, f.formPath])).toEqual([
      ["items.2.amount_fen", "items.2.amount_fen", ["items", 2, "amount_fen"]],
      ["items.0.passed", "items.0.passed", ["items", 0, "passed"]],
      ["elsewhere", "", undefined],
    ]);
  });
});

