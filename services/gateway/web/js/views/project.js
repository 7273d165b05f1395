// 项目详情: the application, each stage's state, the timeline across the six services, and the
// actions the signed-in role may take at the project's current stage.

import { api, ApiProblem, peopleNames } from "../api.js";
import {
  APPLICATION_STATUS,
  CATEGORIES,
  CONSTRUCTION_TYPES,
  DEADLINE_STATUS,
  IMPLEMENTATION_MODES,
  JURISDICTIONS,
  PATH_STEPS,
  ROLES,
  SERVICES,
  STEP_STATUS,
  actionLabel,
  dateOnly,
  dateTime,
  fenToWan,
  stageLabel,
} from "../format.js";
import { listRule, loadPack, materialLabel } from "../rules.js";
import { actionsCard } from "./project-actions.js";
import {
  badge,
  citation,
  h,
  navigate,
  outcomeBadge,
  problemPanel,
} from "../ui.js";

const DETAIL_LABELS = {
  basis: "立项依据与必要性",
  content: "主要建设内容",
  performance_goals: "绩效目标",
  implementation_reason: "实施方式理由",
  funding_channels: "资金来源与运维经费",
  om_funding: "运维经费安排",
};

/** username → name for actors; the whole page renders with one lookup. */
let actorNames = {};

export async function renderProject(root, { params }) {
  const [projectId] = params;
  const path = encodeURIComponent(projectId);
  let timeline;
  try {
    [timeline, actorNames] = await Promise.all([api.get(`/api/projects/${path}/timeline`), peopleNames()]);
  } catch (error) {
    if (!(error instanceof ApiProblem)) throw error;
    root.append(head(projectId, null, null), problemPanel(error.problem));
    return;
  }
  const state = Object.fromEntries(timeline.stages.map((s) => [s.service, s.reached ? s.state : null]));
  const project = summarize(projectId, state);
  const pack = project.jurisdiction ? await loadPack(project.jurisdiction) : null;

  root.append(head(projectId, project, timeline));
  if (timeline.unavailable?.length) {
    root.append(
      h(
        "div",
        { class: "banner banner-warn", role: "status" },
        `以下服务暂不可用，相关环节可能显示不全：${timeline.unavailable.map((s) => SERVICES[s]?.[0] ?? s).join("、")}`,
      ),
    );
  }
  root.append(stageStrip(timeline));

  const reload = () => navigate(`/projects/${path}`);
  root.append(
    h(
      "div",
      { class: "detail-layout" },
      h(
        "div",
        { class: "detail-main" },
        basicsCard(project, state.intake, pack),
        stageCards(state),
        timelineCard(timeline, pack),
      ),
      h("aside", { class: "detail-side" }, actionsCard(projectId, project, state, pack, reload)),
    ),
  );
}

/** What the page header needs, from whichever service the reader may see. */
function summarize(projectId, state) {
  const intake = state.intake;
  const other = state.review ?? state.budget ?? state.procurement ?? state.acceptance ?? {};
  return {
    id: projectId,
    title: intake?.title ?? state.review?.title ?? null,
    unit: intake?.unit ?? other.unit ?? "—",
    jurisdiction: intake?.jurisdiction ?? other.jurisdiction,
    secret: intake?.secret ?? state.review?.secret ?? false,
    total_investment_fen: intake?.total_investment_fen ?? state.review?.total_investment_fen ?? other.approved_investment_fen,
    plan_year: intake?.plan_year ?? state.review?.plan_year,
    status: intake?.status,
    off_plan: Boolean(intake?.off_plan),
  };
}

function head(projectId, project, timeline) {
  const current = timeline?.current;
  const currentState = timeline?.stages.find((s) => s.service === current?.service)?.state;
  const title = project ? project.title ?? (project.secret ? "（涉密项目，内容不予显示）" : "项目") : "项目详情";
  return h(
    "div",
    { class: "page-head" },
    h(
      "div",
      { class: "page-head-main" },
      h("div", { class: "crumbs" }, h("a", { href: "#/library" }, "项目库"), " / ", h("span", { class: "mono" }, projectId)),
      h(
        "h1",
        { "data-testid": "project-title" },
        title,
        project?.secret ? badge(["涉密", "bad"]) : null,
        project?.off_plan ? badge(["计划外", "warn"], { title: "晚于申报时限提交，列为计划外项目" }) : null,
      ),
      project
        ? h(
            "div",
            { class: "meta" },
            h("span", {}, h("span", { class: "meta-k" }, "项目编号"), h("span", { class: "mono" }, projectId)),
            h("span", {}, h("span", { class: "meta-k" }, "建设单位"), project.unit),
            h("span", {}, h("span", { class: "meta-k" }, "属地"), JURISDICTIONS[project.jurisdiction] ?? project.jurisdiction ?? "—"),
            h(
              "span",
              {},
              h("span", { class: "meta-k" }, "总投资"),
              h("strong", { class: "money" }, fenToWan(project.total_investment_fen)),
              " 万元",
            ),
            h("span", {}, h("span", { class: "meta-k" }, "计划年度"), project.plan_year ?? "—"),
          )
        : null,
    ),
    current
      ? h(
          "div",
          { class: "page-head-status" },
          h("div", { class: "meta-k" }, "当前环节"),
          h("div", { class: "current-stage" }, SERVICES[current.service]?.[0] ?? current.service),
          badge(stageLabel(current.service, stageCode(current.service, currentState) ?? current.stage), { "data-testid": "current-stage" }),
        )
      : null,
  );
}

function stageStrip(timeline) {
  const currentService = timeline.current?.service;
  // Only stages before the current one are done: a later stage may already hold a deadline (catalog's,
  // opened at the contract) without the project having reached it.
  const currentIndex = timeline.stages.findIndex((s) => s.service === currentService);
  return h(
    "ol",
    { class: "stages", "aria-label": "项目环节" },
    timeline.stages.map((stage, index) => {
      const [name, en] = SERVICES[stage.service] ?? [stage.service, ""];
      const code = stageCode(stage.service, stage.state);
      // History can arrive a moment before the stage's own record (they are read side by side).
      const syncing = !stage.reached && timeline.entries.some((e) => e.service === stage.service);
      const cls = ["stage", stage.reached || syncing ? "is-reached" : "is-pending", stage.service === currentService ? "is-current" : ""];
      let label = en;
      if (stage.reached && index > currentIndex && !stage.state) label = "未到达";
      else if (stage.reached) label = stageLabel(stage.service, code)[0];
      else if (timeline.unavailable?.includes(stage.service)) label = "服务不可用";
      else if (syncing) label = "同步中，请刷新";
      return h(
        "li",
        { class: cls.join(" "), dataset: { service: stage.service } },
        h("span", { class: "stage-no" }, stage.reached && index < currentIndex ? "✓" : String(index + 1)),
        h("span", { class: "stage-text" }, h("span", { class: "stage-name" }, name), h("span", { class: "stage-state" }, label)),
      );
    }),
  );
}

/** The code a stage shows: intake's status is finer than its stage (draft/submitted vs application). */
function stageCode(service, state) {
  if (!state) return null;
  return service === "intake" ? state.status ?? state.stage : state.stage ?? state.status;
}

function kv(pairs) {
  return h(
    "dl",
    { class: "kv" },
    pairs.filter(Boolean).map(([k, v]) => [h("dt", {}, k), h("dd", {}, v ?? "—")]),
  );
}

function card(title, en, ...body) {
  return h("section", { class: "card" }, h("h2", { class: "card-title" }, title, en ? h("small", { class: "en" }, en) : null), ...body);
}

function basicsCard(project, intake, pack) {
  if (!intake) {
    return card(
      "基本信息",
      "Application",
      kv([
        ["建设单位", project.unit],
        ["总投资", project.total_investment_fen != null ? `${fenToWan(project.total_investment_fen)} 万元` : "—"],
        ["计划年度", project.plan_year],
      ]),
      h("p", { class: "muted small" }, "申报材料由项目建设单位与主管部门查阅。"),
    );
  }
  const details = intake.details ?? {};
  const detailRows = Object.entries(details).filter(([, v]) => v !== "" && v !== null && v !== undefined);
  const scope = listRule(pack, "scope_items");
  const priority = listRule(pack, "priority_tags");
  const itemName = (list, id) => list?.params.items.find((i) => i.id === id)?.zh ?? id;
  const chips = (values, name) => (values?.length ? h("div", { class: "chips" }, values.map((v) => h("span", { class: "tag" }, name(v)))) : null);
  return card(
    "基本信息",
    "Application",
    kv([
      ["项目类别", CATEGORIES[intake.category] ?? intake.category],
      ["建设性质", CONSTRUCTION_TYPES[intake.construction_type] ?? intake.construction_type],
      ["实施方式", IMPLEMENTATION_MODES[intake.implementation_mode] ?? intake.implementation_mode],
      ["总投资", h("span", {}, h("strong", { class: "money" }, fenToWan(intake.total_investment_fen)), " 万元")],
      ["申报状态", h("span", { class: "badges" }, badge(APPLICATION_STATUS[intake.status] ?? [intake.status, "muted"], { "data-testid": "project-status" }), intake.off_plan ? badge(["计划外", "warn"]) : null)],
      intake.unit_priority != null ? ["本单位排序", intake.unit_priority] : null,
      ["创建时间", dateTime(intake.created_at)],
      ["提交时间", dateTime(intake.submitted_at)],
      ["审核时间", dateTime(intake.decided_at)],
      intake.approval_route ? ["审批路径", intake.approval_route] : null,
    ]),
    intake.refusal_reason
      ? h("div", { class: "refusal" }, h("strong", {}, "不予入库理由："), intake.refusal_reason)
      : null,
    h(
      "div",
      { class: "materials" },
      h("h3", {}, "申报内容"),
      kv([
        intake.scope_items?.length ? ["建设内容类别", chips(intake.scope_items, (v) => itemName(scope, v))] : null,
        intake.priority_tags?.length ? ["重点建设类型", chips(intake.priority_tags, (v) => itemName(priority, v))] : null,
        ["申报材料", chips(intake.materials, (v) => materialLabel(pack, v)) ?? h("span", { class: "muted" }, "未勾选材料")],
        ...detailRows.map(([k, v]) => [DETAIL_LABELS[k] ?? k, typeof v === "string" ? v : JSON.stringify(v)]),
      ]),
    ),
  );
}

/** The review path's steps already passed: all of them once the project is approved. */
function reviewDone(review) {
  if (review.stage === "approved") return review.path_steps;
  const at = review.path_steps.indexOf(review.step);
  if (at >= 0) return review.path_steps.slice(0, at);
  return review.stage === "awaiting_approval" ? review.path_steps.filter((s) => s !== "approval") : [];
}

/** A pack-chosen path (review or acceptance) as steps: done, current, to come. */
function pathSteps(steps, { done = [], current = null } = {}) {
  if (!steps?.length) return null;
  return h(
    "ol",
    { class: "path" },
    steps.map((step) =>
      h(
        "li",
        { class: done.includes(step) ? "is-done" : step === current ? "is-current" : "" },
        PATH_STEPS[step] ?? step,
      ),
    ),
  );
}

function stageCards(state) {
  const cards = [];
  if (state.review) {
    const r = state.review;
    cards.push(
      card(
        "联审与立项",
        "Review & approval",
        kv([
          ["环节状态", badge(stageLabel("review", r.stage))],
          ["立项批复文号", r.approval_letter_no],
          ["当前步骤", r.step ? PATH_STEPS[r.step] ?? r.step : "—"],
          ["批复日期", dateOnly(r.approved_on)],
          r.fixed_estimate_fen != null ? ["概算价", `${fenToWan(r.fixed_estimate_fen)} 万元`] : null,
          r.plan_deferred ? ["年度计划", badge(["暂缓安排", "warn"])] : null,
        ]),
        r.path_steps?.length
          ? h("div", { class: "path-row" }, h("span", { class: "meta-k" }, "评审路径"), pathSteps(r.path_steps, { current: r.step, done: reviewDone(r) }))
          : null,
        r.steps?.length
          ? h(
              "table",
              { class: "grid grid-compact" },
              h("thead", {}, h("tr", {}, h("th", { class: "num" }, "序"), h("th", {}, "审批权限"), h("th", {}, "意见"), h("th", {}, "办理人"), h("th", {}, "说明"))),
              h(
                "tbody",
                {},
                r.steps.map((s) =>
                  h(
                    "tr",
                    { dataset: { role: s.role } },
                    h("td", { class: "num" }, s.position),
                    h("td", {}, ROLES[s.role] ?? s.role),
                    h("td", {}, badge(stepStatus(s, r))),
                    h("td", {}, actor(s.decided_by)),
                    h("td", {}, s.comment || "—"),
                  ),
                ),
              ),
            )
          : null,
      ),
    );
  }
  if (state.budget) {
    const b = state.budget;
    cards.push(
      card(
        "概算与资金",
        "Estimate & funds",
        kv([
          ["环节状态", badge(stageLabel("budget", b.stage))],
          ["立项批复投资", `${fenToWan(b.approved_investment_fen)} 万元`],
          ["批复概算", b.estimate_fen != null ? `${fenToWan(b.estimate_fen)} 万元` : "未批复"],
          ["招标控制价", b.control_price_fen != null ? `${fenToWan(b.control_price_fen)} 万元` : "—"],
          ["已拨付", h("span", { "data-testid": "released" }, `${fenToWan(b.released_fen)} 万元`)],
          b.consultation_ends_on ? ["价格咨询截止", dateOnly(b.consultation_ends_on)] : null,
          ["验收结果", b.accepted ? badge(["已验收", "ok"]) : badge(["未验收", "muted"])],
          b.estimate_history?.length > 1
            ? ["概算调整", b.estimate_history.map((e) => `第${e.revision}版 ${fenToWan(e.estimate_fen)} 万元（${e.approved_on}）`).join("；")]
            : null,
        ]),
      ),
    );
  }
  if (state.procurement) {
    const p = state.procurement;
    cards.push(
      card(
        "采购与合同",
        "Procurement",
        kv([
          ["环节状态", h("span", { class: "badges" }, badge(stageLabel("procurement", p.stage)), p.status && p.status !== "active" ? badge([p.status === "suspended" ? "已暂停" : "已终止", "bad"]) : null)],
          ["最高限价", `${fenToWan(p.ceiling_fen)} 万元`],
          p.control_price_fen != null ? ["招标控制价", `${fenToWan(p.control_price_fen)} 万元`] : null,
          p.construction_due ? ["建设期限", dateOnly(p.construction_due)] : null,
        ]),
        p.contracts?.length
          ? h(
              "table",
              { class: "grid grid-compact" },
              h("thead", {}, h("tr", {}, h("th", {}, "合同编号"), h("th", {}, "供应商"), h("th", { class: "num" }, "金额（万元）"), h("th", {}, "签订日期"), h("th", {}, "计划完工"))),
              h(
                "tbody",
                {},
                p.contracts.map((c) =>
                  h(
                    "tr",
                    {},
                    h("td", { class: "mono" }, c.id),
                    h("td", {}, c.supplier),
                    h("td", { class: "num money" }, fenToWan(c.amount_fen)),
                    h("td", {}, dateOnly(c.signed_on)),
                    h("td", {}, dateOnly(c.planned_completion)),
                  ),
                ),
              ),
            )
          : null,
      ),
    );
  }
  if (state.acceptance) {
    const a = state.acceptance;
    cards.push(
      card(
        "试运行与验收",
        "Trial run & acceptance",
        kv([
          ["环节状态", badge(stageLabel("acceptance", a.stage))],
          ["合同签订", dateOnly(a.contract_signed_on)],
          ["试运行开始", dateOnly(a.trial_started_on)],
          ["前置核准", dateOnly(a.pre_accepted_on)],
          ["履约验收", dateOnly(a.accepted_on)],
          ["系统名称", a.system_name],
        ]),
        a.steps?.length
          ? h("div", { class: "path-row" }, h("span", { class: "meta-k" }, "验收路径"), pathSteps(a.steps, { done: a.done_steps ?? [], current: a.next_step }), a.path_citation ? citation(a.path_citation) : null)
          : null,
      ),
    );
  }
  if (state.catalog) {
    const systems = state.catalog.systems ?? [];
    cards.push(
      card(
        "系统目录",
        "System catalog",
        h(
          "table",
          { class: "grid grid-compact" },
          h("thead", {}, h("tr", {}, h("th", {}, "系统编号"), h("th", {}, "系统名称"), h("th", {}, "状态"), h("th", {}, "登记日期"))),
          h(
            "tbody",
            {},
            systems.map((s) =>
              h(
                "tr",
                {},
                h("td", { class: "mono" }, s.id),
                h("td", {}, s.name ?? "（涉密）"),
                h("td", {}, badge(stageLabel("catalog", s.state))),
                h("td", {}, dateOnly(s.registered_on)),
              ),
            ),
          ),
        ),
      ),
    );
  }
  return cards;
}

/** Only the first pending step is waiting on someone; later ones have not been reached. */
function stepStatus(step, review) {
  if (step.status !== "pending") return STEP_STATUS[step.status] ?? [step.status, "muted"];
  const next = review.steps.find((s) => s.status === "pending");
  return review.stage === "awaiting_approval" && next === step ? STEP_STATUS.pending : ["未到达", "muted"];
}

function actor(subject) {
  if (!subject) return h("span", { class: "muted" }, "—");
  if (subject === "system") return h("span", { class: "muted" }, "系统（消息同步）");
  const name = actorNames[subject];
  return name ? h("span", { class: "actor", title: `账号 ${subject}` }, name) : h("span", { class: "mono" }, subject);
}

const TIMELINE_FILTERS = [
  ["all", "全部"],
  ["action", "办理事项"],
  ["decision", "规则判定"],
  ["deadline", "期限"],
];

function timelineCard(timeline, pack) {
  const entries = [...timeline.entries].reverse(); // newest first
  const titles = Object.fromEntries((pack?.rules ?? []).map((r) => [r.id, r.title_zh]));
  const body = h("tbody", {}, entries.map((entry) => timelineRow(entry, titles)));
  const count = (kind) => (kind === "all" ? entries.length : entries.filter((e) => e.kind === kind).length);
  const filters = h(
    "div",
    { class: "segmented", role: "group", "aria-label": "筛选时间线" },
    TIMELINE_FILTERS.map(([kind, label], index) =>
      h(
        "button",
        {
          type: "button",
          class: index === 0 ? "is-active" : "",
          dataset: { kind },
          onclick: (event) => {
            for (const b of filters.children) b.classList.toggle("is-active", b === event.currentTarget);
            for (const row of body.children) row.hidden = kind !== "all" && row.dataset.kind !== kind;
          },
        },
        `${label} ${count(kind)}`,
      ),
    ),
  );
  return h(
    "section",
    { class: "card card-flush", "data-testid": "timeline" },
    h(
      "h2",
      { class: "card-title" },
      "办理时间线",
      h("small", { class: "en" }, "Timeline"),
      h("span", { class: "card-title-aside" }, filters),
    ),
    entries.length
      ? h(
          "table",
          { class: "grid timeline" },
          h(
            "colgroup",
            {},
            h("col", { style: "width: 148px" }),
            h("col", { style: "width: 108px" }),
            h("col"),
            h("col", { style: "width: 124px" }),
            h("col", { style: "width: 168px" }),
            h("col", { style: "width: 84px" }),
          ),
          h(
            "thead",
            {},
            h("tr", {}, h("th", {}, "时间"), h("th", {}, "环节"), h("th", {}, "事项"), h("th", {}, "办理人"), h("th", {}, "依据"), h("th", {}, "结果")),
          ),
          body,
        )
      : h("p", { class: "empty" }, "暂无办理记录"),
  );
}

function timelineRow(entry, titles) {
  const [serviceName] = SERVICES[entry.service] ?? [entry.service];
  const ruleTitle = entry.rule_id ? titles[entry.rule_id] : null;
  const ruleLine = entry.rule_id ? h("div", { class: "sub" }, ruleTitle ?? "", h("code", { class: "rule-id" }, entry.rule_id)) : null;
  let what;
  let result = null;
  if (entry.kind === "deadline") {
    what = h("div", {}, h("span", {}, `期限：${dateOnly(entry.due_on)} 前`), ruleLine);
    result = badge(DEADLINE_STATUS[entry.status] ?? [entry.status, "muted"]);
  } else {
    what = h("div", {}, h("span", {}, actionLabel(entry.action)), entry.kind === "decision" ? ruleLine : null);
    result = entry.kind === "decision" ? outcomeBadge(entry.outcome) : null;
  }
  return h(
    "tr",
    { class: `tl tl-${entry.kind}`, dataset: { action: entry.action ?? "", service: entry.service, kind: entry.kind, rule: entry.rule_id ?? "" } },
    h("td", { class: "nowrap muted mono-num" }, dateTime(entry.at, { seconds: true })),
    h("td", { class: "nowrap" }, h("span", { class: `svc svc-${entry.service}` }, serviceName)),
    h("td", {}, what),
    h("td", {}, actor(entry.actor)),
    h("td", {}, entry.citation ? citation(entry.citation, entry.rule_id) : h("span", { class: "muted" }, "—")),
    h("td", {}, result ?? h("span", { class: "muted" }, "—")),
  );
}
