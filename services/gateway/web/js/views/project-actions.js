// 项目详情 · 办理: the steps the signed-in role may take at the project's current stage. Each step is a
// small form that posts, shows any problem with its rule citations, and reloads the page on success.

import { api, ApiProblem, currentUser, hasRole, newIdempotencyKey } from "../api.js";
import { AmountError, LEADER_ROLES, ROLES, SERVICES, fenToWan, fenToWanInput, stageLabel, todayIso, wanToFen } from "../format.js";
import { CASE_FACTS, listRule, requirementGroups } from "../rules.js";
import { busy, citation, clearFieldMarks, field, h, markFields, problemPanel, select, toast } from "../ui.js";

/** Stages in which the bureau may approve the estimate, and procurement may register a contract. */
const ESTIMATE_STAGES = ["approved", "consultation", "plan_submitted", "plan_returned"];
const CONTRACTABLE = ["estimate_approved", "plan_filed", "tendering", "awarded"];

/** Used when the pack lists no acceptance items (the policy API is unavailable). */
const DEFAULT_ACCEPTANCE_ITEMS = [
  { kind: "mlps_test", label: "信息安全等级保护测评" },
  { kind: "crypto_review", label: "密码应用和安全审查情况" },
];

/** The steps the signed-in role may take now; each posts, shows any problem, and reloads on success. */
export function actionsCard(projectId, project, state, pack, reload) {
  const id = encodeURIComponent(projectId);
  const forms = [];
  const intake = state.intake;
  const review = state.review;
  const budget = state.budget;
  const procurement = state.procurement;
  const acceptance = state.acceptance;
  const user = currentUser();

  if (hasRole("unit") && intake?.status === "draft") {
    forms.push(
      action({
        title: "提交申报",
        hint: "提交后进入数据局审核；提交时按政策规则校验申报范围与金额。",
        submit: [["提交申报", "submit"]],
        run: () => api.post(`/api/intake/applications/${id}/submit`),
        done: "申报已提交",
      }),
    );
  }
  if (hasRole("data_bureau") && intake?.status === "submitted") {
    forms.push(
      action({
        title: "入库审核",
        en: "Library admission",
        hint: "材料齐全、符合入库条件的予以入库；不予入库须说明理由（达州办法第九条）。",
        fields: [
          field("审核意见", h("textarea", { name: "reason", rows: 2, placeholder: "不予入库时必填" }), { wide: true }),
          findingsField(listRule(pack, "intake_findings")),
        ],
        submit: [
          ["入库", "admit", "primary"],
          ["不予入库", "refuse", "danger"],
        ],
        labels: { reason: "审核意见" },
        run: (form, which) =>
          which === "admit"
            ? api.post(`/api/intake/applications/${id}/admit`)
            : api.post(`/api/intake/applications/${id}/refuse`, {
                reason: text(form, "reason"),
                findings: [...form.querySelectorAll('input[name="finding"]:checked')].map((box) => box.value),
              }),
        done: (which) => (which === "admit" ? "已入库" : "已不予入库"),
      }),
    );
  }
  const schemeStep = ["admitted", "in_review"].includes(review?.stage) && (!review.step || review.step === "scheme_review");
  if (hasRole("data_bureau") && schemeStep) {
    forms.push(
      action({
        title: "方案评审",
        en: "Scheme review",
        hint: "联审通过后按总投资确定审批权限（达州办法第十条）。",
        fields: [field("评审意见", h("textarea", { name: "comment", rows: 2 }), { wide: true })],
        submit: [
          ["评审通过", "pass", "primary"],
          ["评审不通过", "fail", "danger"],
        ],
        labels: { comment: "评审意见" },
        run: (form, which) => api.post(`/api/review/projects/${id}/scheme-review`, { passed: which === "pass", comment: text(form, "comment") }),
        done: (which) => (which === "pass" ? "方案评审通过" : "方案评审未通过"),
      }),
    );
  }
  if (review?.stage === "awaiting_approval" && hasRole(...LEADER_ROLES)) {
    const next = review.steps?.find((s) => s.status === "pending");
    if (next && user.roles.includes(next.role)) {
      forms.push(
        action({
          title: `审批（${ROLES[next.role] ?? next.role}）`,
          en: "Approval",
          hint: "按审批权限顺序办理（达州办法第十条）。",
          fields: [field("审批意见", h("textarea", { name: "comment", rows: 2 }), { wide: true })],
          submit: [
            ["同意", "approve", "primary"],
            ["不同意", "reject", "danger"],
          ],
          labels: { comment: "审批意见" },
          run: (form, which) => api.post(`/api/review/projects/${id}/approval`, { approve: which === "approve", comment: text(form, "comment") }),
          done: (which) => (which === "approve" ? "已同意" : "已不同意"),
        }),
      );
    } else if (next) {
      forms.push(h("p", { class: "muted small" }, `当前待「${ROLES[next.role] ?? next.role}」审批。`));
    }
  }
  // The estimate is approved once, and may be revised until a contract is signed against it.
  const estimateOpen =
    ESTIMATE_STAGES.includes(budget?.stage) || (budget?.stage === "estimate_approved" && !procurement?.contracts?.length);
  if (hasRole("data_bureau") && estimateOpen) {
    const initial = budget.estimate_fen ?? budget.approved_investment_fen;
    forms.push(
      action({
        title: budget.estimate_fen != null ? "调整概算" : "批复概算",
        en: "Approve the estimate",
        hint: "批复概算是项目投资的最高限额和资金拨付依据（达州办法第二十八条、第三十七条）。",
        fields: [moneyField("概算金额（万元）", "estimate_fen", initial)],
        submit: [["批复概算", "estimate", "primary"]],
        labels: { estimate_fen: "概算金额（万元）" },
        run: (form) => api.post(`/api/budget/projects/${id}/estimate`, { estimate_fen: money(form, "estimate_fen") }),
        done: "概算已批复",
      }),
    );
  }
  const procurementActive = !procurement?.status || procurement.status === "active";
  if (hasRole("unit", "procurement_center") && CONTRACTABLE.includes(procurement?.stage) && procurementActive) {
    const today = todayIso();
    forms.push(
      action({
        title: "登记合同",
        en: "Register the contract",
        hint: `合同金额不得超过批复概算 ${fenToWan(procurement.ceiling_fen)} 万元（达州办法第三十八条）；建设周期原则上不超过一年（第四十二条）。`,
        fields: [
          field("供应商", h("input", { name: "supplier", maxlength: 200 }), { wide: true, required: true }),
          moneyField("合同金额（万元）", "amount_fen", procurement.ceiling_fen),
          field("签订日期", h("input", { name: "signed_on", type: "date", value: today }), { required: true }),
          field("计划完工日期", h("input", { name: "planned_completion", type: "date" }), { required: true }),
        ],
        submit: [["登记合同", "contract", "primary"]],
        labels: {
          supplier: "供应商",
          amount_fen: "合同金额（万元）",
          signed_on: "签订日期",
          planned_completion: "计划完工日期",
          tender_ceiling_fen: "合同金额（万元）",
        },
        aliases: { tender_ceiling_fen: "amount_fen" },
        idempotent: true,
        run: (form, which, key) =>
          api.post(
            `/api/procurement/projects/${id}/contracts`,
            {
              supplier: text(form, "supplier"),
              amount_fen: money(form, "amount_fen"),
              signed_on: text(form, "signed_on") || null,
              planned_completion: text(form, "planned_completion") || null,
            },
            { idempotencyKey: key },
          ),
        done: "合同已登记",
      }),
    );
  }
  // The pack chooses the acceptance path; `next_step` says which step is due (older shape: the stage).
  const nextStep = acceptance ? acceptance.next_step ?? { contracted: "trial_run", trial_run: "pre_acceptance_approval", pre_accepted: "performance_acceptance" }[acceptance.stage] : null;
  if (hasRole("unit") && nextStep === "trial_run") {
    forms.push(
      action({
        title: "开始试运行",
        en: "Start the trial run",
        hint: "试运行不少于一个月后方可申请验收（达州办法第四十七条）。",
        fields: [field("试运行开始日期", h("input", { name: "started_on", type: "date", value: todayIso() }), { required: true })],
        submit: [["开始试运行", "trial", "primary"]],
        labels: { started_on: "试运行开始日期" },
        run: (form) => api.post(`/api/acceptance/projects/${id}/trial-run`, { started_on: text(form, "started_on") || null }),
        done: "试运行已开始",
      }),
    );
  }
  if (hasRole("data_bureau") && nextStep === "pre_acceptance_approval") {
    forms.push(
      action({
        title: "验收前置核准",
        en: "Pre-acceptance approval",
        hint: "对照技术方案审核意见核准后，由建设单位组织履约验收（达州办法第四十七条、第四十八条）。",
        submit: [["核准", "pre", "primary"]],
        run: () => api.post(`/api/acceptance/projects/${id}/pre-acceptance`),
        done: "已前置核准",
      }),
    );
  }
  if (hasRole("unit") && nextStep === "performance_acceptance") {
    forms.push(
      action({
        title: "履约验收",
        en: "Performance acceptance",
        hint: "等保测评、密码应用评估等为验收事项（达州办法第五十六条、第五十九条）。",
        fields: [
          field("系统名称", h("input", { name: "system_name", value: project.title ?? "", maxlength: 300 }), { wide: true, required: true }),
          acceptanceItemsField(pack),
        ],
        submit: [
          ["验收通过", "pass", "primary"],
          ["验收不通过", "fail", "danger"],
        ],
        labels: { system_name: "系统名称", items: "验收事项", acceptance_items: "验收事项" },
        aliases: { acceptance_items: "items" },
        run: (form, which) =>
          api.post(`/api/acceptance/projects/${id}/acceptance`, {
            passed: which === "pass",
            system_name: text(form, "system_name"),
            items: [...form.querySelectorAll('input[name="item"]')]
              .filter((box) => !box.closest("[hidden]"))
              .map((box) => ({ kind: box.value, passed: box.checked })),
            new_data_center: Boolean(form.querySelector('input[name="new_data_center"]')?.checked),
            includes_hardware: Boolean(form.querySelector('input[name="includes_hardware"]')?.checked),
          }),
        done: (which) => (which === "pass" ? "履约验收通过" : "已记录验收不通过"),
      }),
    );
  }
  const contracts = procurement?.contracts ?? [];
  if (hasRole("finance") && budget && contracts.length) {
    forms.push(
      action({
        title: "拨付资金",
        en: "Release funds",
        hint: budget.accepted
          ? `已拨付 ${fenToWan(budget.released_fen)} 万元。重复提交同一笔拨付不会重复付款。`
          : "项目未通过验收前不予拨付（达州办法第四十九条）。",
        fields: [
          field(
            "合同",
            select("contract_id", Object.fromEntries(contracts.map((c) => [c.id, `${c.supplier}（${fenToWan(c.amount_fen)} 万元）`]))),
            { wide: true, required: true },
          ),
          moneyField("拨付金额（万元）", "amount_fen", null),
        ],
        submit: [["拨付", "release", "primary"]],
        labels: { contract_id: "合同", amount_fen: "拨付金额（万元）", "Idempotency-Key": "幂等键" },
        idempotent: true,
        run: (form, which, key) =>
          api.post(
            `/api/budget/projects/${id}/releases`,
            { contract_id: text(form, "contract_id"), amount_fen: money(form, "amount_fen") },
            { idempotencyKey: key },
          ),
        done: "资金已拨付",
      }),
    );
  }

  return h(
    "section",
    { class: "card actions-card", "data-testid": "actions" },
    h("h2", { class: "card-title" }, "办理", h("small", { class: "en" }, "Actions")),
    forms.length ? forms : h("p", { class: "muted small empty-actions" }, "当前环节没有需要您办理的事项。"),
    h(
      "div",
      { class: "actions-foot" },
      h("button", { class: "btn btn-sm btn-ghost", type: "button", onclick: reload }, "↻ 刷新"),
      h("span", { class: "muted small" }, "各环节经消息同步，办理后稍候刷新可见后续环节。"),
    ),
  );

  /**
   * One action form. `run(form, which, key)` performs the call; `key` is the Idempotency-Key for
   * this exact request (kept while the user retries the same values, renewed when they change).
   */
  function action({ title, en, hint, fields = [], submit, run, done, labels = {}, aliases = {}, idempotent = false }) {
    const problemHost = h("div", { class: "problem-host" });
    let attempt = { key: null, signature: null };
    const form = h(
      "form",
      { class: "action", novalidate: true, dataset: { action: submit[0][1] } },
      h("h3", {}, title, en ? h("small", { class: "en" }, en) : null),
      hint ? h("p", { class: "hint" }, hint) : null,
      fields.length ? h("div", { class: "form-grid form-grid-1" }, fields) : null,
      problemHost,
      h(
        "div",
        { class: "action-buttons" },
        submit.map(([label, value, tone]) =>
          h("button", { class: `btn${tone ? ` btn-${tone}` : ""}`, type: "submit", value }, label),
        ),
      ),
    );
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const button = event.submitter ?? form.querySelector("button");
      const which = button.value;
      clearFieldMarks(form);
      problemHost.replaceChildren();
      const show = (problem) => {
        problemHost.replaceChildren(problemPanel(problem, { labels, stageName: anyStageName }));
        markFields(form, problem, aliases);
      };
      if (which === "refuse" && !text(form, "reason")) {
        show({ title: "请填写不予入库的理由", errors: [{ field: "reason", message: "不予入库须说明理由", type: "missing" }] });
        return;
      }
      await busy(button, async () => {
        try {
          let key;
          if (idempotent) {
            const signature = `${which}|${new URLSearchParams(new FormData(form))}`;
            if (signature !== attempt.signature) attempt = { key: newIdempotencyKey(), signature };
            key = attempt.key;
          }
          await run(form, which, key);
        } catch (error) {
          if (error instanceof AmountError) {
            show({ title: "请检查填写内容", errors: [{ field: error.field, message: error.message }] });
            return;
          }
          if (!(error instanceof ApiProblem)) throw error;
          show(error.problem);
          return;
        }
        toast(typeof done === "function" ? done(which) : done);
        reload();
      });
    });
    return form;
  }
}

/**
 * The acceptance items the pack requires (dazhou:第五十六条,第五十九条), ticked = passed; items
 * required only in a case (a new data centre, hardware) appear when the case is ticked.
 */
function acceptanceItemsField(pack) {
  const groups = requirementGroups(pack, "acceptance", "acceptance_items");
  const itemBox = (item) =>
    h("label", { class: "check", title: item.en }, h("input", { type: "checkbox", name: "item", value: item.kind, checked: true }), ` ${item.label}`);
  const blocks = [];
  const seen = new Set();
  for (const group of groups.length ? groups : [{ items: DEFAULT_ACCEPTANCE_ITEMS, when: null }]) {
    const items = group.items.filter((i) => !seen.has(i.kind));
    items.forEach((i) => seen.add(i.kind));
    if (!group.when) {
      blocks.push(...items.map(itemBox));
      continue;
    }
    const fact = group.when.fact;
    const list = h("div", { class: "checks case-items", hidden: true }, items.map(itemBox));
    blocks.push(
      h(
        "label",
        { class: "check case-toggle" },
        h("input", { type: "checkbox", name: fact, onchange: (event) => (list.hidden = !event.target.checked) }),
        ` ${CASE_FACTS[fact] ?? fact}`,
      ),
      list,
    );
  }
  const rule = groups[0];
  return field(
    h("span", {}, "验收事项（勾选为通过）", rule ? citation(rule.citation, rule.rule_id) : null),
    h("div", { class: "checks", dataset: { field: "items" } }, blocks),
    { wide: true },
  );
}

/** The bureau's findings against the pack's not-admitted list (dazhou:第九条), for a refusal. */
function findingsField(findings) {
  if (!findings) return null;
  return field(
    h("span", {}, "不予入库情形 ", citation(findings.citation)),
    h(
      "div",
      { class: "checks" },
      findings.params.items.map((item) => h("label", { class: "check" }, h("input", { type: "checkbox", name: "finding", value: item.id }), ` ${item.zh}`)),
    ),
    { wide: true },
  );
}

function moneyField(label, name, fen) {
  const input = h("input", {
    name,
    dataset: { field: name },
    inputmode: "decimal",
    autocomplete: "off",
    class: "input-money",
    value: fen != null ? fenToWanInput(fen) : "",
  });
  return field(label, h("div", { class: "input-group" }, input, h("span", { class: "addon" }, "万元")), { required: true });
}

function text(form, name) {
  return String(form.elements.namedItem(name)?.value ?? "").trim();
}

/** A 万元 input → integer fen; an AmountError carries the field so the form can mark it. */
function money(form, name) {
  try {
    return wanToFen(text(form, name));
  } catch (error) {
    if (error instanceof AmountError) error.field = name;
    throw error;
  }
}

function anyStageName(code) {
  for (const service of Object.keys(SERVICES)) {
    const [label, tone] = stageLabel(service, code);
    if (tone !== "muted" || label !== code) return label;
  }
  return code;
}

