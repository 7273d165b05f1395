// 登录: pick a seeded user (name and role), type the password.

import { api, ApiProblem } from "../api.js";
import { LEADER_ROLES, ROLES } from "../format.js";
import { busy, h, navigate, problemPanel } from "../ui.js";

const GROUPS = [
  ["建设单位", (u) => u.roles.includes("unit")],
  ["市领导与决策机构", (u) => u.roles.some((r) => LEADER_ROLES.includes(r))],
  ["主管与协同部门", () => true],
];

export async function renderLogin(root, { query }) {
  let users = [];
  let loadProblem = null;
  try {
    users = await api.users();
  } catch (error) {
    if (!(error instanceof ApiProblem)) throw error;
    loadProblem = error.problem;
  }

  const problemHost = h("div", { class: "problem-host" });
  const password = h("input", {
    type: "password",
    name: "password",
    id: "login-password",
    autocomplete: "current-password",
    placeholder: "请输入口令",
    required: true,
  });
  const submit = h("button", { class: "btn btn-primary btn-block", type: "submit" }, "登 录");

  const grouped = new Map(GROUPS.map(([name]) => [name, []]));
  for (const user of users) {
    const [name] = GROUPS.find(([, test]) => test(user));
    grouped.get(name).push(user);
  }
  const list = h(
    "div",
    { class: "userpick", role: "radiogroup", "aria-label": "选择用户" },
    [...grouped].filter(([, members]) => members.length).map(([groupName, members]) => [
      h("div", { class: "userpick-group" }, groupName),
      members.map((user, index) =>
        h(
          "label",
          { class: "userpick-item", dataset: { username: user.username } },
          h("input", {
            type: "radio",
            name: "username",
            value: user.username,
            checked: groupName === "建设单位" && index === 0,
          }),
          h("span", { class: "userpick-name" }, user.name),
          h("span", { class: "userpick-role" }, user.roles.map((r) => ROLES[r] ?? r).join("、")),
          h("span", { class: "userpick-unit" }, user.unit ?? ""),
          h("code", { class: "userpick-login" }, user.username),
        ),
      ),
    ]),
  );

  const form = h(
    "form",
    {
      class: "login-form",
      onsubmit: async (event) => {
        event.preventDefault();
        problemHost.replaceChildren();
        const username = form.elements.namedItem("username")?.value;
        if (!username) {
          problemHost.append(problemPanel({ title: "请选择登录用户", status: 0 }));
          return;
        }
        await busy(submit, async () => {
          try {
            await api.signIn(username, password.value);
            navigate(query.next && query.next !== "/login" ? query.next : "/library");
          } catch (error) {
            if (!(error instanceof ApiProblem)) throw error;
            problemHost.append(problemPanel(error.problem));
            password.select();
          }
        });
      },
    },
    h("div", { class: "login-section-title" }, "选择用户", h("small", { class: "en" }, "Seeded users")),
    loadProblem ? problemPanel(loadProblem) : list,
    h(
      "div",
      { class: "login-password" },
      h("label", { for: "login-password" }, "口令", h("small", { class: "en" }, "Password")),
      password,
      h("div", { class: "hint" }, "开发与测试环境：所有用户口令均为 govproj；生产环境经政务统一身份认证登录。"),
    ),
    problemHost,
    submit,
  );

  root.append(
    h(
      "div",
      { class: "login" },
      h(
        "section",
        { class: "login-intro" },
        h("h1", {}, "政府投资信息化项目", h("br"), "全生命周期管理平台"),
        h("p", { class: "lead" }, "申报入库、联审立项、概算资金、采购合同、试运行验收、系统目录，一网统管；每项决定均记录所依据的条款。"),
        h(
          "ol",
          { class: "login-steps" },
          ["申报", "联审立项", "概算", "采购合同", "验收", "系统目录"].map((s) => h("li", {}, s)),
        ),
        query.expired ? h("p", { class: "notice" }, "登录已过期，请重新登录。") : null,
      ),
      h("section", { class: "card login-card" }, h("h2", {}, "登录", h("small", { class: "en" }, "Sign in")), form),
    ),
  );
}
