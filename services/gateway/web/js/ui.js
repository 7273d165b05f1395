// DOM helpers shared by the screens: element builder, badges, problem panels and field marking.

import { OUTCOMES, validationMessage } from "./format.js";

/**
 * h("div", {class: "x", onclick: fn, dataset: {id: 1}}, "text", child, [more]) → Element.
 * Strings become text nodes (never HTML), null/false children are skipped.
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs ?? {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") el.className = value;
    else if (key === "dataset") Object.assign(el.dataset, value);
    else if (key.startsWith("on") && typeof value === "function") el.addEventListener(key.slice(2), value);
    else if (key in el && typeof value !== "string") el[key] = value;
    else el.setAttribute(key, value === true ? "" : value);
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** [label, tone] → a status badge. */
export function badge([label, tone], extra = {}) {
  return h("span", { class: `badge badge-${tone}`, ...extra }, label);
}

/** A rule citation like `dazhou:第十条` as a badge. */
export function citation(text, title) {
  if (!text) return null;
  const [pack, article] = String(text).split(":");
  return h(
    "span",
    { class: "cite", title: title || `规则出处 ${text}` },
    article ? [h("span", { class: "cite-pack" }, pack), h("span", { class: "cite-article" }, article)] : text,
  );
}

export function outcomeBadge(outcome) {
  return outcome ? badge(OUTCOMES[outcome] ?? [outcome, "muted"]) : null;
}

/** "中文 / English" → [zh, en]. */
export function splitTitle(title) {
  const text = String(title ?? "");
  const at = text.indexOf(" / ");
  return at < 0 ? [text, ""] : [text.slice(0, at), text.slice(at + 3)];
}

const CJK = /[\u4e00-\u9fff]/;

const STATUS_TITLES = {
  0: "网络错误",
  400: "请求无效",
  401: "需要登录",
  403: "无权执行此操作",
  404: "未找到相应记录",
  409: "当前阶段不允许此操作",
  422: "提交内容未通过校验",
  500: "平台内部错误",
  503: "服务暂不可用",
};

/**
 * A problem document → an alert panel: the title in Chinese, each violated rule with its citation,
 * each invalid field by its label, and for 409 the stage the project is at.
 * `labels` maps API field names to the form's Chinese labels.
 */
export function problemPanel(problem, { labels = {}, stageName } = {}) {
  let [zh, en] = splitTitle(problem.title || STATUS_TITLES[problem.status] || "操作失败");
  if (!CJK.test(zh)) {
    // A title only in English (some services' 404s): say it in Chinese, keep the English beside it.
    en = [zh, en].filter(Boolean).join(" / ");
    zh = STATUS_TITLES[problem.status] ?? "操作失败";
  }
  const violations = Array.isArray(problem.violations) ? problem.violations : [];
  const errors = Array.isArray(problem.errors) ? problem.errors : [];
  const structured = violations.length > 0 || errors.length > 0;
  return h(
    "div",
    { class: "problem", role: "alert", dataset: { status: problem.status ?? "" } },
    h(
      "div",
      { class: "problem-head" },
      h("span", { class: "problem-icon", "aria-hidden": "true" }, "!"),
      h("strong", { class: "problem-title" }, zh),
      problem.status ? h("span", { class: "problem-status" }, `HTTP ${problem.status}`) : null,
      en ? h("span", { class: "problem-en" }, en) : null,
    ),
    violations.length
      ? h(
          "ol",
          { class: "problem-list violations" },
          violations.map((v) =>
            h(
              "li",
              { dataset: { rule: v.rule_id ?? "" } },
              citation(v.citation, v.rule_id),
              h(
                "div",
                { class: "problem-msg" },
                h("span", {}, v.message_zh || v.message_en || v.rule_id),
                v.field ? fieldTag(v.field, labels) : null,
                v.message_en ? h("small", { class: "en" }, v.message_en) : null,
                v.rule_id ? h("small", { class: "rule-id" }, `规则 ${v.rule_id}`) : null,
              ),
            ),
          ),
        )
      : null,
    errors.length
      ? h(
          "ul",
          { class: "problem-list field-errors" },
          errors.map((e) =>
            h(
              "li",
              {},
              fieldTag(e.field, labels),
              h(
                "div",
                { class: "problem-msg" },
                h("span", {}, validationMessage(e)),
                e.message ? h("small", { class: "en" }, e.message) : null,
              ),
            ),
          ),
        )
      : null,
    problem.stage
      ? h(
          "p",
          { class: "problem-stage" },
          "项目当前阶段：",
          h("strong", {}, stageName ? stageName(problem.stage) : problem.stage),
          Array.isArray(problem.expected) && problem.expected.length
            ? `；此操作需在「${problem.expected.map((s) => (stageName ? stageName(s) : s)).join("」或「")}」阶段进行`
            : null,
        )
      : null,
    problem.citation && !violations.length ? h("p", { class: "problem-cite" }, "依据：", citation(problem.citation)) : null,
    !structured && problem.detail ? h("p", { class: `problem-detail${CJK.test(problem.detail) ? "" : " en"}` }, problem.detail) : null,
    structured && problem.detail ? h("details", { class: "problem-raw" }, h("summary", {}, "原始信息"), problem.detail) : null,
  );
}

function fieldTag(field, labels) {
  if (!field) return h("span", { class: "field-tag" }, "请求");
  const label = labels[field];
  return h(
    "span",
    { class: "field-tag", dataset: { field } },
    label ? [label, h("code", {}, field)] : h("code", {}, field),
  );
}

/** Clear the marks a previous problem left on a form. */
export function clearFieldMarks(form) {
  for (const el of form.querySelectorAll("[aria-invalid]")) el.removeAttribute("aria-invalid");
  for (const el of form.querySelectorAll(".field-error")) el.remove();
  for (const el of form.querySelectorAll(".field.has-error")) el.classList.remove("has-error");
}

/**
 * Mark the inputs a problem names (by `name` or `data-field`), with the message under each.
 * `aliases` maps a rule's fact name to the input it comes from (tender_ceiling_fen → amount_fen).
 */
export function markFields(form, problem, aliases = {}) {
  const marks = [];
  for (const e of problem.errors ?? []) marks.push([e.field, validationMessage(e)]);
  for (const v of problem.violations ?? []) if (v.field) marks.push([v.field, `${v.message_zh}（${v.citation}）`]);
  let first = null;
  for (const [field, message] of marks) {
    const input = fieldInput(form, aliases[field] ?? field);
    if (!input) continue;
    input.setAttribute("aria-invalid", "true");
    const wrapper = input.closest(".field");
    wrapper?.classList.add("has-error");
    (wrapper ?? input.parentElement).append(h("div", { class: "field-error" }, message));
    first ??= input;
  }
  first?.focus();
  return first;
}

function fieldInput(form, field) {
  const candidates = [field, field.replace(/^body\./, "")];
  for (const name of candidates) {
    const el = form.querySelector(`[data-field="${CSS.escape(name)}"]`) || form.elements.namedItem(name);
    if (el && el instanceof Element) return el;
  }
  return null;
}

/** A labelled form field. */
export function field(label, control, { hint, required, wide, en } = {}) {
  const id = control.id || `f-${Math.random().toString(36).slice(2, 9)}`;
  control.id = id;
  return h(
    "div",
    { class: `field${wide ? " field-wide" : ""}` },
    h("label", { for: id }, label, required ? h("span", { class: "req", title: "必填", "aria-hidden": "true" }, "*") : null, en ? h("small", { class: "en" }, en) : null),
    control,
    hint ? h("div", { class: "hint" }, hint) : null,
  );
}

export function select(name, options, { value, placeholder, required } = {}) {
  return h(
    "select",
    { name, required },
    placeholder !== undefined ? h("option", { value: "" }, placeholder) : null,
    Object.entries(options).map(([code, label]) => h("option", { value: code, selected: code === value }, label)),
  );
}

/** Go to a hash route: navigate("/projects/P1", {tab: "x"}); re-renders when already there. */
export function navigate(path, query) {
  const pairs = Object.entries(query ?? {}).filter(([, v]) => v !== "" && v !== null && v !== undefined);
  const target = `#${path}${pairs.length ? `?${new URLSearchParams(pairs)}` : ""}`;
  if (window.location.hash === target) window.dispatchEvent(new HashChangeEvent("hashchange"));
  else window.location.hash = target;
}

/** A short-lived notice at the top of the page. */
export function toast(message, tone = "ok") {
  const host = document.getElementById("toasts");
  if (!host) return;
  const el = h("div", { class: `toast toast-${tone}`, role: "status" }, message);
  host.append(el);
  while (host.children.length > 3) host.firstElementChild.remove();
  setTimeout(() => el.remove(), 4000); // a notice, not a wait: nothing depends on it
}

/** Disable a button while `work` runs; returns work's result. */
export async function busy(button, work) {
  const previous = button.disabled;
  button.disabled = true;
  button.classList.add("is-busy");
  try {
    return await work();
  } finally {
    button.disabled = previous;
    button.classList.remove("is-busy");
  }
}
