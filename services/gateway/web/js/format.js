// Formatting and labels: money (integer fen ↔ 万元), dates, and the Chinese names of codes.
// Amounts are exact: fen arrive as integers and leave as integers built from the typed string,
// never through a float.

export const FEN_PER_WAN = 1_000_000n; // 1万元 = 10,000元 = 1,000,000分
const WAN_DECIMALS = 6; // 万元 to the fen

/** The error of parsing a typed amount; `field` names the input. */
export class AmountError extends Error {}

/**
 * "350" / "350.5" / "1,200.00" (万元) → integer fen as a Number (350.00 → 350000000).
 * Throws AmountError for anything that is not a plain non-negative decimal with ≤ 6 decimals.
 * Sign and range rules (> 0, thresholds) are the server's to judge, with their citations.
 */
export function wanToFen(text) {
  const raw = String(text ?? "").trim().replaceAll(",", "").replaceAll("，", "");
  if (raw === "") throw new AmountError("请填写金额（万元）");
  if (raw.startsWith("-")) throw new AmountError("金额不能为负数");
  const match = /^(\d+)(?:\.(\d*))?$/.exec(raw);
  if (!match) throw new AmountError("金额须为数字（万元），例如 350.00");
  const [, whole, frac = ""] = match;
  if (frac.length > WAN_DECIMALS) throw new AmountError("金额最多精确到分（万元后六位小数）");
  const fen = BigInt(whole) * FEN_PER_WAN + BigInt(frac.padEnd(WAN_DECIMALS, "0"));
  if (fen > BigInt(Number.MAX_SAFE_INTEGER)) throw new AmountError("金额过大");
  return Number(fen);
}

/** Integer fen → "3,500.00" (万元, two decimals, half-up), exact through BigInt. */
export function fenToWan(fen) {
  if (fen === null || fen === undefined || fen === "") return "—";
  let value = BigInt(fen);
  const negative = value < 0n;
  if (negative) value = -value;
  const hundredths = (value * 100n + FEN_PER_WAN / 2n) / FEN_PER_WAN; // 万元 × 100, rounded
  const whole = (hundredths / 100n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  const cents = (hundredths % 100n).toString().padStart(2, "0");
  return `${negative ? "-" : ""}${whole}.${cents}`;
}

/** Integer fen → the exact 万元 string an input can hold ("350", "350.5"). */
export function fenToWanInput(fen) {
  const value = BigInt(fen);
  const whole = value / FEN_PER_WAN;
  const frac = (value % FEN_PER_WAN).toString().padStart(WAN_DECIMALS, "0").replace(/0+$/, "");
  return frac ? `${whole}.${frac}` : `${whole}`;
}

// Times are shown in China Standard Time whatever the browser's zone: the regulations count days there.
const TIME_ZONE = "Asia/Shanghai";
const PARTS = new Intl.DateTimeFormat("en-CA", {
  timeZone: TIME_ZONE,
  year: "numeric",
  month: "2-digit",
  day: "2-digit",
  hour: "2-digit",
  minute: "2-digit",
  second: "2-digit",
  hourCycle: "h23",
});

function parts(date) {
  return Object.fromEntries(PARTS.formatToParts(date).map((p) => [p.type, p.value]));
}

/** The services store UTC; a timestamp without a zone (SQLite drops it) is UTC too. */
function parseInstant(iso) {
  const text = String(iso);
  const zoned = /(?:Z|[+-]\d{2}:?\d{2})$/i.test(text) || !text.includes("T") ? text : `${text}Z`;
  return new Date(zoned);
}

/** ISO timestamp → "2026-11-24 18:31" (or with ":05" seconds), Beijing time. */
export function dateTime(iso, { seconds = false } = {}) {
  if (!iso) return "—";
  const d = parseInstant(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  const p = parts(d);
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}${seconds ? `:${p.second}` : ""}`;
}

export function dateOnly(iso) {
  return iso ? String(iso).slice(0, 10) : "—";
}

/** Today's date in China, as a date input wants it. */
export function todayIso() {
  const p = parts(new Date());
  return `${p.year}-${p.month}-${p.day}`;
}

// ---- labels ------------------------------------------------------------------------------------

export const JURISDICTIONS = {
  dazhou: "达州市",
  quzhou: "衢州市",
  jiyuan: "济源市",
  fengxian: "奉贤区",
  suqian: "宿迁市",
};

export const CATEGORIES = {
  digital_infrastructure: "数字基础设施",
  data_resource: "数据资源系统",
  application: "信息应用系统",
  om: "运维类",
  other: "其他",
};

export const CONSTRUCTION_TYPES = {
  new: "新建",
  rebuild: "改建",
  extend: "扩建",
  upgrade: "续建/升级",
  om: "运维",
};

export const IMPLEMENTATION_MODES = {
  self_build: "自行建设",
  purchase_of_service: "购买服务",
};

export const ROLES = {
  unit: "建设单位",
  data_bureau: "数据局",
  drc: "发展改革委",
  finance: "财政局",
  procurement_center: "采购中心",
  audit: "审计局",
  cyberspace: "网信办",
  crypto: "密码管理局",
  police: "公安网安",
  city_operations: "城运中心",
  leading_office: "领导小组办公室",
  confidentiality_office: "保密办",
  expert: "评审专家",
  vice_mayor_unit: "分管副市长",
  vice_mayor_digital: "分管数字经济副市长",
  vice_mayor_finance: "分管财政副市长",
  mayor: "市长",
  executive_meeting: "市政府常务会议",
  standing_committee: "市委常委会",
  data_operator: "数据运营商",
  platform: "平台接口",
};

export const LEADER_ROLES = [
  "vice_mayor_unit",
  "vice_mayor_digital",
  "vice_mayor_finance",
  "mayor",
  "executive_meeting",
  "standing_committee",
];

/** Intake statuses (申报状态) with a badge tone. */
export const APPLICATION_STATUS = {
  draft: ["草稿", "muted"],
  submitted: ["已提交", "info"],
  admitted: ["已入库", "ok"],
  refused: ["不予入库", "bad"],
};

export const SERVICES = {
  intake: ["申报与项目库", "Intake"],
  review: ["联审与立项", "Review"],
  budget: ["概算与资金", "Budget"],
  procurement: ["采购与合同", "Procurement"],
  acceptance: ["试运行与验收", "Acceptance"],
  catalog: ["系统目录", "Catalog"],
};

/** Each service's stage codes, in Chinese, with a badge tone. */
export const STAGES = {
  intake: {
    draft: ["草稿", "muted"],
    submitted: ["已提交", "info"],
    admitted: ["已入库", "ok"],
    refused: ["不予入库", "bad"],
    application: ["申报中", "info"],
    library: ["已入库", "ok"],
  },
  review: {
    admitted: ["待评审", "warn"],
    in_review: ["评审中", "info"],
    routed: ["已分送审批", "info"],
    awaiting_approval: ["待审批", "warn"],
    approved: ["已立项", "ok"],
    rejected: ["未通过", "bad"],
    deferred: ["暂缓安排", "warn"],
  },
  budget: {
    approved: ["待技术方案与概算", "warn"],
    consultation: ["价格咨询中", "info"],
    plan_submitted: ["技术方案审核中", "info"],
    plan_returned: ["技术方案退回", "warn"],
    estimate_approved: ["概算已批复", "ok"],
    control_price_submitted: ["控制价审核中", "info"],
    control_price_approved: ["控制价已批复", "ok"],
    accepted: ["已验收·可拨付", "ok"],
    closed: ["已结项", "muted"],
    terminated: ["已终止", "bad"],
  },
  procurement: {
    estimate_approved: ["待采购", "warn"],
    plan_submitted: ["采购计划审核中", "info"],
    plan_returned: ["采购计划退回", "warn"],
    plan_filed: ["采购计划已备案", "info"],
    tendering: ["招标中", "info"],
    awarded: ["已定标", "info"],
    contracted: ["合同已登记", "ok"],
    restarted: ["重新采购", "warn"],
    closed: ["已结束", "muted"],
    terminated: ["已终止", "bad"],
  },
  acceptance: {
    contracted: ["待试运行", "warn"],
    trial_run: ["试运行中", "info"],
    pre_accepted: ["已前置核准", "info"],
    performance_accepted: ["履约验收通过", "ok"],
    preliminary_accepted: ["初验通过", "info"],
    final_applied: ["已申请终验", "info"],
    final_accepted: ["终验通过", "ok"],
    applied: ["已申请验收", "info"],
    organised: ["验收组织中", "info"],
    completion_accepted: ["竣工验收通过", "ok"],
    secrecy_approved: ["保密审批通过", "ok"],
    rectifying: ["整改中", "warn"],
    accepted: ["验收通过", "ok"],
    failed: ["验收未通过", "bad"],
  },
  catalog: {
    in_catalog: ["已纳入目录", "ok"],
    running: ["运行中", "ok"],
    trial: ["试运行", "info"],
    suspended: ["已暂停", "warn"],
    retired: ["已下线", "muted"],
  },
};

/** Path steps (review and acceptance paths chosen by the pack). */
export const PATH_STEPS = {
  prescreening: "前置初审",
  scheme_review: "方案评审",
  joint_review: "并联审核",
  approval: "审批",
  budget_review: "预算审核",
  list_management: "清单管理",
  pre_implementation_review: "实施前审核",
  trial_run: "试运行",
  pre_acceptance_approval: "验收前置核准",
  performance_acceptance: "履约验收",
  preliminary_acceptance: "初验",
  final_acceptance_application: "终验申请",
  final_acceptance: "终验",
  acceptance_application: "验收申请",
  acceptance_organised: "组织验收",
  completion_acceptance: "竣工验收",
  secrecy_approval: "保密审批",
};

export function stageLabel(service, code) {
  return STAGES[service]?.[code] ?? [code ?? "—", "muted"];
}

export const STEP_STATUS = {
  pending: ["待审批", "warn"],
  approved: ["同意", "ok"],
  rejected: ["不同意", "bad"],
};

/** Audit and decision actions → what a department reads. Unknown actions show their code. */
const ACTIONS = {
  "application.created": "创建申报草稿",
  "application.updated": "修改申报",
  "application.submitted": "提交申报",
  "application.admitted": "入库",
  "application.refused": "不予入库",
  submit: "申报合规校验",
  "case.opened": "联审立案",
  "scheme_review.passed": "方案评审通过",
  "scheme_review.failed": "方案评审未通过",
  "approval.route": "确定审批权限",
  "project.approved": "收到立项批复",
  "estimate.approved": "批复概算",
  estimate: "概算校验",
  "contract.signed": "登记合同",
  contract: "合同校验",
  "trial.started": "开始试运行",
  trial_run: "试运行校验",
  "pre_acceptance.approved": "验收前置核准",
  pre_acceptance: "前置核准校验",
  "acceptance.passed": "履约验收通过",
  "acceptance.failed": "履约验收未通过",
  "project.accepted": "收到验收结果",
  "system.registered": "纳入系统目录",
  "funds.released": "拨付资金",
  release: "拨付校验",
  admit: "入库校验",
  refuse: "不予入库依据",
  "application.created_from_needs": "由需求库生成申报",
  "applications.ranked": "本单位申报排序",
  "material.attached": "上传申报材料",
  "review.path": "确定评审路径",
  prescreening: "前置初审",
  "scheme_review.scored": "方案评审计分",
  "scores.recorded": "提交评审打分",
  "implementation.checked": "实施方式校验",
  "joint_review.opinion": "并联审核意见",
  "joint_review.concluded": "并联审核结论",
  "joint_review.panel": "并联审核组成",
  "plan.deferred": "暂缓安排投资计划",
  "consultation.published": "发布功能清单价格咨询",
  "technical_plan.submitted": "提交技术方案",
  "technical_review.completed": "技术方案审核通过",
  "technical_review.returned": "技术方案退回",
  "control_price.submitted": "报送招标控制价",
  "control_price.approved": "批复招标控制价",
  "deadline.opened": "开始计时",
  "deadline.met": "按期完成",
  "plan.filed": "采购计划备案",
  "tender.published": "发布招标公告",
  "tender.awarded": "确定中标人",
  "bid.recorded": "登记投标",
  supplement: "补充合同校验",
  "supplement.route": "补充合同审批权限",
  "procedure.restarted": "重新履行采购程序",
  "project.suspended": "暂停项目",
  "project.resumed": "恢复项目",
  "project.terminated": "终止项目",
  "acceptance.path": "确定验收路径",
  "project.acceptance_failed": "收到验收未通过",
  "assets.registered": "国有资产登记",
  asset_registration: "资产登记校验",
  "rectification.ordered": "责令限期整改",
  "supervision.escalated": "监督处理升级",
  "supervision.resolved": "监督问题办结",
  "surplus.assessed": "结余资金核定",
  "surplus.returned": "结余资金收回",
  "unit.barred": "限制单位申报",
  "unit.cleared": "解除申报限制",
  "unit.bar": "单位申报限制",
};

export function actionLabel(action) {
  if (!action) return "—";
  if (ACTIONS[action]) return ACTIONS[action];
  const step = /^(approval|supplement)\.([a-z_]+)\.(approved|rejected|pending)$/.exec(action);
  if (step) return `${step[1] === "supplement" ? "补充合同审批 " : ""}${ROLES[step[2]] ?? step[2]}：${STEP_STATUS[step[3]][0]}`;
  if (PATH_STEPS[action]) return `${PATH_STEPS[action]}校验`;
  const scheduled = /^([a-z_]+)\.scheduled$/.exec(action);
  if (scheduled) return "排定期限";
  const pathStep = /^([a-z_]+)\.(done|failed|passed|deadline|module)$/.exec(action);
  if (pathStep && PATH_STEPS[pathStep[1]]) {
    const suffix = { done: "完成", failed: "未通过", passed: "通过", deadline: "期限", module: "（分模块）" }[pathStep[2]];
    return `${PATH_STEPS[pathStep[1]]}${suffix}`;
  }
  return action;
}

export const OUTCOMES = {
  pass: ["符合", "ok"],
  fail: ["不符合", "bad"],
  info: ["记录", "info"],
};

export const DEADLINE_STATUS = {
  open: ["进行中", "info"],
  overdue: ["已逾期", "bad"],
  met: ["已完成", "ok"],
  done: ["已完成", "ok"],
  closed: ["已关闭", "muted"],
  cancelled: ["已取消", "muted"],
  canceled: ["已取消", "muted"],
  waived: ["已豁免", "muted"],
  late: ["逾期完成", "warn"],
  superseded: ["已替代", "muted"],
};

/** Pydantic error types → Chinese; the server's English message stays as secondary text. */
export function validationMessage(error) {
  const msg = error.message ?? "";
  const number = /(-?\d+(?:\.\d+)?)/.exec(msg)?.[1];
  switch (error.type) {
    case "missing":
      return "必填";
    case "greater_than":
      return `必须大于 ${number ?? ""}`.trim();
    case "greater_than_equal":
      return `不得小于 ${number ?? ""}`.trim();
    case "less_than":
      return `必须小于 ${number ?? ""}`.trim();
    case "less_than_equal":
      return `不得大于 ${number ?? ""}`.trim();
    case "string_too_short":
      return "不能为空或过短";
    case "string_too_long":
      return "内容过长";
    case "int_type":
    case "int_parsing":
      return "须为整数";
    case "enum":
    case "literal_error":
      return "不是允许的取值";
    case "extra_forbidden":
      return "不允许的字段";
    case "date_from_datetime_parsing":
    case "date_parsing":
      return "日期格式不正确";
    default:
      return msg;
  }
}
