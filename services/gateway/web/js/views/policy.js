// 政策规则: the jurisdictions' policy packs and their rules, each with its citation and verbatim quote.

import { api, ApiProblem } from "../api.js";
import { JURISDICTIONS, SERVICES } from "../format.js";
import { badge, citation, h, navigate, problemPanel } from "../ui.js";

const PACK_STATUS = {
  in_force: ["现行有效", "ok"],
  draft: ["草案", "warn"],
  interpretation: ["政策解读", "info"],
  repealed: ["已废止", "muted"],
};

const RULE_STAGES = {
  general: "通用",
  ...Object.fromEntries(Object.entries(SERVICES).map(([k, [zh]]) => [k, zh])),
};

/** How a pack reads "X万元以上/以下" (dazhou:第六十二条). */
const SEMANTICS = {
  ">=": "含本数（≥）",
  ">": "不含本数（>）",
  "<": "不含本数（<）",
  "<=": "含本数（≤）",
};

const KINDS = {
  threshold: "金额门槛",
  deadline: "期限",
  list: "清单",
  authority: "审批权限",
  authority_table: "审批权限表",
  route: "办理路径",
  requirement: "要件",
  sanction: "处理措施",
};

export async function renderPolicy(root, { params, query }) {
  const [selected] = params;
  root.append(
    h(
      "div",
      { class: "page-head" },
      h(
        "div",
        {},
        h("h1", {}, "政策规则", h("small", { class: "en" }, "Policy packs")),
        h("p", { class: "page-sub" }, "平台按各地管理办法作出的每一项决定都记录规则编号与条款出处；未明确的事项沿用默认规则包并注明继承。"),
      ),
    ),
  );

  let listing;
  try {
    listing = await api.get("/api/policy/packs");
  } catch (error) {
    if (!(error instanceof ApiProblem)) throw error;
    root.append(unavailable(error.problem));
    return;
  }
  const packs = listing.packs ?? [];
  const current = selected ?? listing.default ?? packs[0]?.id;

  root.append(
    h(
      "div",
      { class: "card card-flush" },
      h(
        "table",
        { class: "grid", "data-testid": "packs" },
        h(
          "thead",
          {},
          h(
            "tr",
            {},
            h("th", {}, "规则包"),
            h("th", {}, "管理办法"),
            h("th", {}, "状态"),
            h("th", {}, "生效日期"),
            h("th", {}, "继承"),
            h("th", { class: "num" }, "规则（本包 / 继承）"),
            h("th", {}, "版本"),
          ),
        ),
        h(
          "tbody",
          {},
          packs.map((pack) =>
            h(
              "tr",
              {
                class: `clickable${pack.id === current ? " is-selected" : ""}`,
                onclick: () => navigate(`/policy/${encodeURIComponent(pack.id)}`),
              },
              h("td", {}, h("a", { href: `#/policy/${encodeURIComponent(pack.id)}` }, JURISDICTIONS[pack.id] ?? pack.id), h("div", { class: "sub mono" }, pack.id)),
              h("td", {}, pack.title_zh ?? pack.error ?? "—", pack.title_en ? h("div", { class: "sub en" }, pack.title_en) : null),
              h("td", {}, pack.status ? badge(PACK_STATUS[pack.status] ?? [pack.status, "muted"]) : "—"),
              h("td", { class: "nowrap" }, pack.effective_from ?? "—"),
              h("td", {}, pack.extends ? `沿用 ${JURISDICTIONS[pack.extends] ?? pack.extends}` : "—"),
              h("td", { class: "num" }, pack.rules != null ? `${pack.rules}（${pack.own_rules} / ${pack.inherited_rules}）` : "—"),
              h("td", { class: "mono small" }, pack.version ?? "—"),
            ),
          ),
        ),
      ),
    ),
  );

  if (!current) return;
  let pack;
  try {
    pack = await api.get(`/api/policy/packs/${encodeURIComponent(current)}`);
  } catch (error) {
    if (!(error instanceof ApiProblem)) throw error;
    root.append(problemPanel(error.problem));
    return;
  }
  root.append(rulesCard(pack, query));
}

function unavailable(problem) {
  const missing = problem.status === 404 || problem.status === 405;
  return h(
    "div",
    { class: "card notice-card", "data-testid": "policy-unavailable" },
    h("p", {}, missing ? "政策规则查询接口尚未开放。" : "暂时无法读取政策规则。"),
    h(
      "p",
      { class: "muted small" },
      missing
        ? "平台正在接入各地管理办法的规则包（/api/policy/packs）；开放后此页将列出每条规则及其条款出处。业务办理不受影响，办理中的决定仍会显示所依据的条款。"
        : "请稍后刷新重试。",
    ),
    missing ? null : problemPanel(problem),
  );
}

function rulesCard(pack, query) {
  const rules = pack.rules ?? [];
  const list = h("tbody", {});
  const count = h("span", { class: "card-title-aside" });
  const search = h("input", {
    type: "search",
    placeholder: "按规则编号、条款、标题或原文筛选",
    value: query.q ?? "",
    class: "w-search",
    "aria-label": "筛选规则",
  });
  const stageFilter = h(
    "select",
    { "aria-label": "环节" },
    h("option", { value: "" }, "全部环节"),
    Object.entries(RULE_STAGES).map(([k, v]) => h("option", { value: k }, v)),
  );
  const paint = () => {
    const needle = search.value.trim().toLowerCase();
    const stage = stageFilter.value;
    const shown = rules.filter(
      (r) =>
        (!stage || r.stage === stage) &&
        (!needle || [r.id, r.citation, r.title_zh, r.title_en, r.quote].some((t) => String(t ?? "").toLowerCase().includes(needle))),
    );
    count.textContent = `显示 ${shown.length} / ${rules.length} 条`;
    list.replaceChildren(
      ...(shown.length ? shown.map((rule) => ruleRow(rule, pack)) : [h("tr", {}, h("td", { colspan: 4, class: "empty" }, "没有匹配的规则"))]),
    );
  };
  search.addEventListener("input", paint);
  stageFilter.addEventListener("change", paint);
  paint();

  return h(
    "section",
    { class: "card card-flush", "data-testid": "rules" },
    h(
      "h2",
      { class: "card-title" },
      `${JURISDICTIONS[pack.id] ?? pack.id}规则包`,
      h("small", { class: "en" }, `${pack.id} · 版本 ${pack.version}`),
      count,
    ),
    h(
      "div",
      { class: "toolbar" },
      search,
      stageFilter,
      pack.semantics
        ? h("span", { class: "muted small" }, `金额口径：以上${SEMANTICS[pack.semantics["以上"]] ?? pack.semantics["以上"]}，以下${SEMANTICS[pack.semantics["以下"]] ?? pack.semantics["以下"]}`)
        : null,
    ),
    h(
      "table",
      { class: "grid rules" },
      h("thead", {}, h("tr", {}, h("th", {}, "规则"), h("th", {}, "出处"), h("th", {}, "原文摘录"), h("th", {}, "来源"))),
      list,
    ),
  );
}

function ruleRow(rule, pack) {
  return h(
    "tr",
    { dataset: { rule: rule.id } },
    h(
      "td",
      { class: "rule-name" },
      h("div", { class: "rule-title" }, rule.title_zh ?? rule.id),
      rule.title_en ? h("div", { class: "sub en" }, rule.title_en) : null,
      h(
        "div",
        { class: "rule-tags" },
        h("code", {}, rule.id),
        h("span", { class: "tag" }, RULE_STAGES[rule.stage] ?? rule.stage),
        h("span", { class: "tag" }, KINDS[rule.kind] ?? rule.kind),
      ),
    ),
    h("td", { class: "nowrap" }, citation(rule.citation, rule.id)),
    h("td", { class: "quote" }, h("blockquote", {}, rule.quote ?? "—"), rule.note ? h("div", { class: "sub en" }, rule.note) : null),
    h(
      "td",
      { class: "nowrap" },
      rule.inherited
        ? badge([`继承 ${JURISDICTIONS[rule.inherited_from ?? rule.pack] ?? rule.inherited_from ?? rule.pack}`, "info"])
        : badge([`${JURISDICTIONS[pack.id] ?? pack.id}本包`, "ok"]),
    ),
  );
}
