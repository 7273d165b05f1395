// The shell: hash routes, the header (navigation, the signed-in user) and the sign-out.

import { api, currentUser, hasRole, setUnauthorizedHandler } from "./api.js";
import { ROLES } from "./format.js";
import { h, navigate } from "./ui.js";
import { renderApply } from "./views/apply.js";
import { renderLibrary } from "./views/library.js";
import { renderLogin } from "./views/login.js";
import { renderPolicy } from "./views/policy.js";
import { renderProject } from "./views/project.js";

const ROUTES = [
  [/^\/login$/, renderLogin, { public: true }],
  [/^\/library$/, renderLibrary],
  [/^\/apply$/, renderApply],
  [/^\/projects\/([^/]+)$/, renderProject],
  [/^\/policy(?:\/([^/]+))?$/, renderPolicy],
];

function parseHash() {
  const raw = window.location.hash.replace(/^#/, "") || "/library";
  const [path, search = ""] = raw.split("?");
  return { path, query: Object.fromEntries(new URLSearchParams(search)) };
}

let renderCount = 0;

async function route() {
  const { path, query } = parseHash();
  const user = currentUser();
  const match = ROUTES.map(([pattern, view, options]) => [pattern.exec(path), view, options ?? {}]).find(([m]) => m);
  if (!match) return navigate("/library");
  const [m, view, options] = match;
  if (!options.public && !user) return navigate("/login", { next: path });
  if (path === "/login" && user) {
    api.signOut(); // the sign-in page switches user: the old session ends here
    document.getElementById("toasts")?.replaceChildren();
  }
  renderHeader();
  const root = document.getElementById("app");
  const ticket = ++renderCount;
  root.replaceChildren(h("div", { class: "loading" }, "加载中…"));
  root.setAttribute("aria-busy", "true");
  try {
    // A view builds into a detached node so a slow, superseded render never overwrites a newer one.
    const page = h("div", { class: "view" });
    await view(page, { params: m.slice(1).map((p) => (p ? decodeURIComponent(p) : p)), query, isCurrent: () => ticket === renderCount });
    if (ticket === renderCount) root.replaceChildren(page);
  } catch (error) {
    if (ticket !== renderCount) return;
    console.error(error);
    root.replaceChildren(h("div", { class: "card" }, h("p", { class: "empty" }, `页面出错：${error.message ?? error}`)));
  } finally {
    if (ticket === renderCount) root.removeAttribute("aria-busy");
  }
  document.querySelectorAll(".mainnav a").forEach((a) => {
    a.classList.toggle("active", path.startsWith(a.dataset.route));
  });
}

function renderHeader() {
  const user = currentUser();
  const nav = document.getElementById("mainnav");
  const box = document.getElementById("userbox");
  if (!user) {
    nav.replaceChildren();
    box.replaceChildren();
    return;
  }
  nav.replaceChildren(
    ...[
      h("a", { href: "#/library", dataset: { route: "/library" } }, "项目库"),
      hasRole("unit") ? h("a", { href: "#/apply", dataset: { route: "/apply" } }, "新建申报") : null,
      h("a", { href: "#/policy", dataset: { route: "/policy" } }, "政策规则"),
    ].filter(Boolean),
  );
  const roleNames = user.roles.map((r) => ROLES[r] ?? r).join("、");
  box.replaceChildren(
    h(
      "form",
      {
        class: "quickopen",
        role: "search",
        onsubmit: (event) => {
          event.preventDefault();
          const id = event.target.elements.namedItem("project").value.trim();
          if (id) navigate(`/projects/${encodeURIComponent(id)}`);
        },
      },
      h("input", { name: "project", placeholder: "输入项目编号打开", "aria-label": "项目编号", autocomplete: "off" }),
    ),
    h(
      "div",
      { class: "user", "data-testid": "current-user" },
      h("span", { class: "user-name" }, user.name || user.username),
      h("span", { class: "user-role" }, roleNames, user.unit ? ` · ${user.unit}` : ""),
    ),
    h(
      "button",
      {
        class: "btn btn-ghost btn-sm",
        type: "button",
        onclick: () => {
          api.signOut();
          document.getElementById("toasts")?.replaceChildren();
          navigate("/login");
        },
      },
      "退出",
    ),
  );
}

setUnauthorizedHandler(() => {
  api.signOut();
  if (!window.location.hash.startsWith("#/login")) navigate("/login", { expired: "1" });
});

window.addEventListener("hashchange", route);
route();
