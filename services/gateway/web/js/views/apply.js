// 新建申报: a unit's application (dazhou:第九条 materials), saved as a draft, then submitted.
// The scope, priority and materials sections are built from the jurisdiction's policy pack.

import { api, ApiProblem, currentUser, hasRole, newIdempotencyKey } from "../api.js";
import {
  AmountError,
  CATEGORIES,
  CONSTRUCTION_TYPES,
  IMPLEMENTATION_MODES,
  JURISDICTIONS,
  stageLabel,
  wanToFen,
} from "../format.js";
import { caseApplies, listRule, loadPack, materialGroups, rule } from "../rules.js";
import { busy, citation, clearFieldMarks, field, h, markFields, navigate, problemPanel, select, toast } from "../ui.js";

/** API field → the label on this form, so a problem names the field the user sees. */
export const APPLICATION_LABELS = {
  unit: "建设单位",
  jurisdiction: "属地",
  title: "项目名称",
  category: "项目类别",
  construction_type: "建设性质",
  implementation_mode: "实施方式",
  total_investment_fen: "总投资（万元）",
  plan_year: "计划年度",
  secret: "涉密项目",
  details: "申报说明",
  materials: "申报材料清单",
  scope_items: "建设内容类别",
  priority_tags: "重点建设类型",
  unit_priority: "本单位排序",
  "details.basis": "立项依据与必要性",
  "details.content": "主要建设内容",
  "details.performance_goals": "绩效目标",
  "details.implementation_reason": "实施方式理由",
  "details.funding_channels": "资金来源与运维经费",
};

const DETAIL_FIELDS = [
  ["basis", "立项依据与必要性", "Basis and necessity", 3],
  ["content", "主要建设内容", "Scope of work", 3],
  ["performance_goals", "绩效目标", "Performance goals", 3],
  ["implementation_reason", "实施方式理由", "Why this implementation mode", 2],
  ["funding_channels", "资金来源与运维经费", "Funding channels and O&M funding", 2],
];

export async function renderApply(root) {
  const user = currentUser();
  root.append(
    h(
      "div",
      { class: "page-head" },
      h(
        "div",
        {},
        h("div", { class: "crumbs" }, h("a", { href: "#/library" }, "项目库"), " / 新建申报"),
        h("h1", {}, "新建申报", h("small", { class: "en" }, "New application")),
        h("p", { class: "page-sub" }, "按属地管理办法填写申报信息、勾选已备齐的申报材料；提交时平台按规则逐条校验，由数据局审核入库。"),
      ),
    ),
  );
  if (!hasRole("unit")) {
    root.append(h("div", { class: "card notice-card" }, h("p", {}, "只有项目建设单位可以新建申报。")));
    return;
  }

  const nextYear = new Date().getFullYear() + 1;
  const problemHost = h("div", { class: "problem-host", id: "apply-problem" });
  // One key per distinct request body: a retry of the same request replays, an edited one is new.
  let attempt = { key: null, body: null };
  let created = null; // the saved draft, once the create succeeded

  const investment = h("input", {
    name: "total_investment_wan",
    dataset: { field: "total_investment_fen" },
    inputmode: "decimal",
    autocomplete: "off",
    placeholder: "例如 350.00",
    class: "input-money",
    required: true,
  });
  const jurisdiction = select("jurisdiction", JURISDICTIONS, { value: "dazhou" });
  const constructionType = select("construction_type", CONSTRUCTION_TYPES, { placeholder: "请选择" });
  const windowHint = h("div", { class: "hint" });
  const scopeHost = h("div", { class: "pack-section", dataset: { field: "scope_items" }, tabindex: -1 });
  const materialsHost = h("div", { class: "pack-section", dataset: { field: "materials" }, tabindex: -1 });

  const form = h(
    "form",
    { class: "card form", novalidate: true, "data-testid": "apply-form" },
    h("h2", { class: "form-section" }, "基本信息", h("small", { class: "en" }, "Basic information")),
    h(
      "div",
      { class: "form-grid" },
      field("建设单位", h("input", { name: "unit", value: user.unit ?? "", readonly: true }), { required: true, hint: "按登录账号所属单位填写" }),
      field("属地", jurisdiction, { required: true, hint: "决定适用的管理办法与规则包" }),
      field("计划年度", h("input", { name: "plan_year", type: "number", min: 2000, max: 2100, value: nextYear }), { required: true }),
      field("项目名称", h("input", { name: "title", maxlength: 300, required: true, placeholder: "例如：智慧教育平台二期" }), { required: true, wide: true }),
      field("项目类别", select("category", CATEGORIES, { placeholder: "请选择" }), { required: true }),
      field("建设性质", constructionType, { required: true }),
      field("实施方式", select("implementation_mode", IMPLEMENTATION_MODES, { value: "purchase_of_service" }), { required: true }),
      field("总投资（万元）", h("div", { class: "input-group" }, investment, h("span", { class: "addon" }, "万元")), {
        required: true,
        hint: "精确到分；1 万元 = 10,000 元",
      }),
      field("涉密项目", h("label", { class: "check" }, h("input", { type: "checkbox", name: "secret" }), " 按保密规定管理（达州办法第六十五条）")),
      h("div", { class: "field" }, h("label", {}, "申报时限"), windowHint),
    ),
    h("h2", { class: "form-section" }, "建设内容与重点类型", h("small", { class: "en" }, "Scope and priority")),
    scopeHost,
    h("h2", { class: "form-section" }, "申报说明", h("small", { class: "en" }, "Narrative")),
    h(
      "div",
      { class: "form-grid" },
      DETAIL_FIELDS.map(([name, label, en, rows]) =>
        field(label, h("textarea", { name: `details.${name}`, rows, maxlength: 4000 }), { wide: true, en, required: name === "performance_goals" }),
      ),
    ),
    h("h2", { class: "form-section" }, "申报材料清单", h("small", { class: "en" }, "Materials checklist")),
    materialsHost,
    problemHost,
    h(
      "div",
      { class: "form-actions" },
      h("a", { class: "btn", href: "#/library" }, "取消"),
      h("button", { class: "btn", type: "submit", name: "save", value: "draft" }, "保存草稿"),
      h("button", { class: "btn btn-primary", type: "submit", name: "submit", value: "submit" }, "保存并提交"),
    ),
  );

  /** Rebuild the pack-driven sections for the chosen jurisdiction, keeping what was ticked. */
  const paintPack = async () => {
    const code = jurisdiction.value;
    const ticked = new Set([...form.querySelectorAll("input[type=checkbox][data-list]:checked")].map((b) => `${b.dataset.list}:${b.value}`));
    const pack = await loadPack(code);
    if (jurisdiction.value !== code) return; // changed again while loading
    const windowRule = rule(pack, "intake.window");
    windowHint.replaceChildren(windowRule ? h("span", {}, windowRule.title_zh, " ", citation(windowRule.citation)) : "—");
    scopeHost.replaceChildren(...scopeSection(pack, ticked, form));
    materialsHost.replaceChildren(...materialsSection(pack, ticked, constructionType.value));
  };
  jurisdiction.addEventListener("change", paintPack);
  constructionType.addEventListener("change", () => highlightCases(materialsHost, { construction_type: constructionType.value }));
  // The same material in two rules (原始合同 for upgrades and O&M) is one document: tick both together.
  materialsHost.addEventListener("change", (event) => {
    const box = event.target;
    if (!(box instanceof HTMLInputElement) || box.dataset.list !== "materials") return;
    for (const twin of materialsHost.querySelectorAll(`input[data-list="materials"][value="${CSS.escape(box.value)}"]`)) twin.checked = box.checked;
  });

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const button = event.submitter ?? form.elements.namedItem("submit");
    const andSubmit = button?.value === "submit";
    clearFieldMarks(form);
    problemHost.replaceChildren();
    const show = (problem, note) => {
      problemHost.replaceChildren(problemPanel(problem, { labels: APPLICATION_LABELS, stageName: (s) => stageLabel("intake", s)[0] }));
      if (note) problemHost.append(h("p", { class: "notice" }, note));
      markFields(form, problem);
    };

    let body;
    try {
      body = readForm(form);
    } catch (error) {
      if (!(error instanceof AmountError)) throw error;
      show({ title: "请检查填写内容", errors: [{ field: "total_investment_fen", message: error.message }] });
      return;
    }

    await busy(button, async () => {
      try {
        if (!created) {
          const serialized = JSON.stringify(body);
          if (attempt.body !== serialized) attempt = { key: newIdempotencyKey(), body: serialized };
          created = await api.post("/api/intake/applications", body, { idempotencyKey: attempt.key });
        } else {
          const { unit, jurisdiction: _, secret, ...changes } = body;
          created = await api.patch(`/api/intake/applications/${encodeURIComponent(created.id)}`, changes);
        }
      } catch (error) {
        if (!(error instanceof ApiProblem)) throw error;
        show(error.problem);
        return;
      }
      if (!andSubmit) {
        toast(`草稿已保存：${created.id}`);
        navigate(`/projects/${encodeURIComponent(created.id)}`);
        return;
      }
      try {
        await api.post(`/api/intake/applications/${encodeURIComponent(created.id)}/submit`);
      } catch (error) {
        if (!(error instanceof ApiProblem)) throw error;
        show(error.problem, `草稿已保存（编号 ${created.id}），修改后可再次提交。`);
        return;
      }
      toast(`申报已提交：${created.id}`);
      navigate(`/projects/${encodeURIComponent(created.id)}`);
    });
  });

  root.append(form);
  await paintPack();
}

function checkbox(list, value, label, { checked, title } = {}) {
  return h(
    "label",
    { class: "check", title },
    h("input", { type: "checkbox", name: list, value, dataset: { list }, checked }),
    " ",
    label,
  );
}

/** Scope items (when the pack lists what is in scope) and the priority types a project may claim. */
function scopeSection(pack, ticked, form) {
  if (!pack) {
    return [h("p", { class: "notice" }, "政策规则暂不可用：建设内容类别与材料清单无法加载。仍可提交，平台将逐条说明缺少的内容。")];
  }
  const parts = [];
  const scope = listRule(pack, "scope_items");
  if (scope?.params.mode === "allowed") {
    parts.push(
      h(
        "fieldset",
        { class: "checkgroup" },
        h("legend", {}, "建设内容类别", citation(scope.citation), h("span", { class: "hint" }, "（可多选；均须属于管理范围）")),
        h("div", { class: "checkgrid" }, scope.params.items.map((i) => checkbox("scope_items", i.id, i.zh, { checked: ticked.has(`scope_items:${i.id}`), title: i.en }))),
      ),
    );
  } else if (scope?.params.mode === "forbidden") {
    parts.push(
      h(
        "div",
        { class: "scope-note" },
        h("strong", {}, "不属于管理范围的采购 "),
        citation(scope.citation),
        h("ul", {}, scope.params.items.map((i) => h("li", {}, i.zh))),
      ),
    );
  }
  const priority = listRule(pack, "priority_tags");
  if (priority) {
    parts.push(
      h(
        "fieldset",
        { class: "checkgroup" },
        h("legend", {}, priority.title_zh, citation(priority.citation), h("span", { class: "hint" }, "（符合的可勾选，优先安排）")),
        h(
          "div",
          { class: "checkgrid checkgrid-wide" },
          priority.params.items.map((i) => checkbox("priority_tags", i.id, i.zh, { checked: ticked.has(`priority_tags:${i.id}`), title: i.citation })),
        ),
      ),
    );
  }
  const ranking = rule(pack, "intake.unit_priority");
  const rankInput = form.elements.namedItem("unit_priority");
  if (ranking) {
    parts.push(
      field("本单位排序", h("input", { name: "unit_priority", type: "number", min: 1, value: rankInput?.value ?? "", class: "w-year" }), {
        hint: `${ranking.title_zh}（${ranking.citation}）；1 为最优先`,
      }),
    );
  }
  return parts.length ? parts : [h("p", { class: "muted small" }, "本属地规则包未对建设内容类别作要求。")];
}

/** One block per materials rule: its citation, its items; conditional cases say when they apply. */
function materialsSection(pack, ticked, constructionType) {
  const groups = materialGroups(pack);
  if (!groups.length) return [h("p", { class: "muted small" }, pack ? "本属地规则包未列明申报材料清单。" : "材料清单暂无法加载。")];
  const blocks = groups.map((group, index) => {
    const boxes = group.items.map((item) => checkbox("materials", item.kind, item.label, { checked: ticked.has(`materials:${item.kind}`), title: item.en }));
    const block = h(
      "fieldset",
      { class: "checkgroup materials-group", dataset: { when: group.when ? JSON.stringify(group.when) : "" } },
      h(
        "legend",
        {},
        group.caption ? `${group.title}（${group.caption}）` : group.title,
        citation(group.citation, group.rule_id),
        h(
          "button",
          {
            type: "button",
            class: "btn btn-sm btn-ghost",
            onclick: (event) => {
              for (const box of event.target.closest("fieldset").querySelectorAll("input[type=checkbox]")) {
                if (!box.checked) box.click();
              }
            },
          },
          index === 0 && !group.caption ? "全部勾选" : "勾选本组",
        ),
      ),
      h("div", { class: "checkgrid" }, boxes),
    );
    return block;
  });
  const host = h("div", {}, blocks);
  highlightCases(host, { construction_type: constructionType });
  return [h("p", { class: "hint" }, "勾选已备齐并随申报提交的材料；附件由平台材料库另行上传。"), host];
}

/** Dim the conditional groups that do not apply to what the form says now. */
function highlightCases(host, facts) {
  for (const group of host.querySelectorAll(".materials-group")) {
    const when = group.dataset.when ? JSON.parse(group.dataset.when) : null;
    const applies = caseApplies(when, facts);
    group.classList.toggle("is-inapplicable", applies === false);
  }
}

/** The form → ApplicationCreate. The amount becomes integer fen from the typed string. */
function readForm(form) {
  const value = (name) => String(form.elements.namedItem(name)?.value ?? "").trim();
  const ticked = (list) => [...new Set([...form.querySelectorAll(`input[data-list="${list}"]:checked`)].map((b) => b.value))];
  const details = {};
  for (const [name] of DETAIL_FIELDS) {
    const text = value(`details.${name}`);
    if (text) details[name] = text;
  }
  const year = value("plan_year");
  const rank = value("unit_priority");
  const body = {
    unit: value("unit"),
    jurisdiction: value("jurisdiction"),
    title: value("title"),
    // Empty selects go as null so the server names the missing field.
    category: value("category") || null,
    construction_type: value("construction_type") || null,
    implementation_mode: value("implementation_mode") || null,
    total_investment_fen: wanToFen(value("total_investment_wan")),
    plan_year: /^\d+$/.test(year) ? Number(year) : null,
    secret: form.elements.namedItem("secret").checked,
    details,
    materials: ticked("materials"),
    scope_items: ticked("scope_items"),
    priority_tags: ticked("priority_tags"),
  };
  if (rank) body.unit_priority = /^\d+$/.test(rank) ? Number(rank) : null;
  return body;
}
