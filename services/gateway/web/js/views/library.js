// 项目库: the intake applications with filters and cursor pagination; unit staff see their own.

import { api, ApiProblem, currentUser, hasRole } from "../api.js";
import {
  APPLICATION_STATUS,
  CATEGORIES,
  CONSTRUCTION_TYPES,
  JURISDICTIONS,
  ROLES,
  dateTime,
  fenToWan,
} from "../format.js";
import { badge, h, navigate, problemPanel, select } from "../ui.js";

const PAGE_SIZE = 20;
const LIBRARY_READERS = ["unit", "data_bureau", "drc", "finance", "audit", "platform"];
const FILTERS = ["jurisdiction", "plan_year", "status", "category", "unit"];

export async function renderLibrary(root, { query }) {
  const user = currentUser();
  const isUnit = hasRole("unit");
  root.append(
    h(
      "div",
      { class: "page-head" },
      h("div", {}, h("h1", {}, "项目库", h("small", { class: "en" }, "Project library")), h("p", { class: "page-sub" }, isUnit ? `${user.unit} 的申报项目` : "全市各单位申报与入库项目")),
      isUnit ? h("a", { class: "btn btn-primary", href: "#/apply" }, "＋ 新建申报") : null,
    ),
  );

  if (!hasRole(...LIBRARY_READERS)) {
    root.append(
      h(
        "div",
        { class: "card notice-card" },
        h("p", {}, `「${user.roles.map((r) => ROLES[r] ?? r).join("、")}」角色不查阅项目库。`),
        h("p", { class: "muted" }, "请在页面右上角输入项目编号打开需要办理的项目（如审批事项）。"),
      ),
    );
    return;
  }

  const cursors = query.cursors ? query.cursors.split(",") : [];
  const filters = Object.fromEntries(FILTERS.map((name) => [name, query[name] ?? ""]));

  const form = h(
    "form",
    {
      class: "filters card",
      onsubmit: (event) => {
        event.preventDefault();
        const data = new FormData(form);
        navigate("/library", Object.fromEntries(FILTERS.map((name) => [name, String(data.get(name) ?? "").trim()])));
      },
    },
    filterField("属地", select("jurisdiction", JURISDICTIONS, { value: filters.jurisdiction, placeholder: "全部" })),
    filterField(
      "计划年度",
      h("input", { name: "plan_year", type: "number", min: 2000, max: 2100, value: filters.plan_year, placeholder: "全部", class: "w-year" }),
    ),
    filterField(
      "状态",
      select("status", Object.fromEntries(Object.entries(APPLICATION_STATUS).map(([k, [label]]) => [k, label])), {
        value: filters.status,
        placeholder: "全部",
      }),
    ),
    filterField("类别", select("category", CATEGORIES, { value: filters.category, placeholder: "全部" })),
    isUnit ? null : filterField("建设单位", h("input", { name: "unit", value: filters.unit, placeholder: "全部单位", class: "w-unit" })),
    h(
      "div",
      { class: "filters-actions" },
      h("button", { class: "btn btn-primary", type: "submit" }, "查询"),
      h("button", { class: "btn", type: "button", onclick: () => navigate("/library") }, "重置"),
    ),
  );
  root.append(form);

  let page;
  try {
    page = await api.get("/api/intake/applications", {
      ...Object.fromEntries(Object.entries(filters).filter(([, v]) => v)),
      limit: PAGE_SIZE,
      cursor: cursors.at(-1),
    });
  } catch (error) {
    if (!(error instanceof ApiProblem)) throw error;
    root.append(problemPanel(error.problem));
    return;
  }

  // A secret project's amount is hidden (null) from those not cleared: it adds nothing to the visible total.
  const total = page.items.reduce((sum, item) => sum + BigInt(item.total_investment_fen ?? 0), 0n);
  const table = h(
    "table",
    { class: "grid", "data-testid": "library-table" },
    h(
      "thead",
      {},
      h(
        "tr",
        {},
        h("th", {}, "项目编号"),
        h("th", {}, "项目名称 / 建设单位"),
        h("th", {}, "属地"),
        h("th", {}, "类别"),
        h("th", {}, "建设性质"),
        h("th", { class: "num" }, "总投资（万元）"),
        h("th", { class: "num" }, "年度"),
        h("th", {}, "状态"),
        h("th", {}, "更新时间"),
      ),
    ),
    h(
      "tbody",
      {},
      page.items.length
        ? page.items.map((item) => row(item))
        : h("tr", {}, h("td", { colspan: 9, class: "empty" }, "没有符合条件的项目")),
    ),
  );

  const base = Object.fromEntries(Object.entries(filters).filter(([, v]) => v));
  const pager = h(
    "div",
    { class: "pager" },
    h(
      "span",
      { class: "muted" },
      `第 ${cursors.length + 1} 页 · 本页 ${page.items.length} 项 · 本页合计 `,
      h("strong", { class: "money" }, fenToWan(total)),
      " 万元",
    ),
    h(
      "div",
      { class: "pager-buttons" },
      h(
        "button",
        {
          class: "btn btn-sm",
          type: "button",
          disabled: cursors.length === 0,
          onclick: () => navigate("/library", { ...base, cursors: cursors.slice(0, -1).join(",") }),
        },
        "上一页",
      ),
      h(
        "button",
        {
          class: "btn btn-sm",
          type: "button",
          disabled: !page.next_cursor,
          onclick: () => navigate("/library", { ...base, cursors: [...cursors, page.next_cursor].join(",") }),
        },
        "下一页",
      ),
    ),
  );
  root.append(h("div", { class: "card card-flush" }, table, pager));
}

function filterField(label, control) {
  return h("label", { class: "filter" }, h("span", {}, label), control);
}

function row(item) {
  const href = `#/projects/${encodeURIComponent(item.id)}`;
  const title = item.title ?? "（涉密项目，内容不予显示）";
  return h(
    "tr",
    { class: "clickable", dataset: { id: item.id }, onclick: (event) => event.target.closest("a") || (window.location.hash = href) },
    h("td", { class: "mono" }, item.id),
    h(
      "td",
      { class: "title-cell" },
      h("a", { href }, title),
      item.secret ? badge(["涉密", "bad"]) : null,
      h("div", { class: "sub" }, item.unit),
    ),
    h("td", {}, JURISDICTIONS[item.jurisdiction] ?? item.jurisdiction),
    h("td", {}, CATEGORIES[item.category] ?? item.category ?? "—"),
    h("td", {}, CONSTRUCTION_TYPES[item.construction_type] ?? item.construction_type ?? "—"),
    h("td", { class: "num money" }, fenToWan(item.total_investment_fen)),
    h("td", { class: "num" }, item.plan_year),
    h(
      "td",
      {},
      h(
        "span",
        { class: "badges" },
        badge(APPLICATION_STATUS[item.status] ?? [item.status, "muted"], { "data-testid": "status" }),
        item.off_plan ? badge(["计划外", "warn"], { title: "晚于申报时限提交" }) : null,
      ),
    ),
    h("td", { class: "muted nowrap" }, dateTime(item.updated_at)),
  );
}
