// RFC 9457 problems → what a form shows: each invalid field under its own input in plain words, every
// rule refusal with its citation, all at once (never one at a time, never pydantic's English).
import type { Problem, Violation } from "./api";

export type Translate = (key: string, vars?: Record<string, string | number>) => string;

export interface FieldMessage {
  /** the API's field path, e.g. "total_investment_fen" or "details.performance_goals" */
  apiField: string;
  /** the form's field name it maps to (the same unless the form renames it, e.g. 万元 inputs); a nested
   * one dotted (`items.2.amount`) */
  formField: string;
  /** the form's name path when the field sits inside rows or a group (`["items", 2, "amount"]`) */
  formPath?: (string | number)[];
  message: string;
}

export interface ExplainedProblem {
  title: string;
  fields: FieldMessage[];
  violations: Violation[];
  /** lines that belong to no field (a wrong stage, a missing permission, a detail) */
  general: string[];
}

const NUMBER = /(-?\d+(?:\.\d+)?)/;

/** One pydantic error type → a plain sentence in the chosen language. */
export function validationMessage(type: string | undefined, message: string | undefined, t: Translate): string {
  const number = NUMBER.exec(message ?? "")?.[1] ?? "";
  switch (type) {
    case "missing":
      return t("problem.field.missing");
    case "greater_than":
      return t("problem.field.greater_than", { n: number });
    case "greater_than_equal":
      return t("problem.field.greater_than_equal", { n: number });
    case "less_than":
      return t("problem.field.less_than", { n: number });
    case "less_than_equal":
      return t("problem.field.less_than_equal", { n: number });
    case "string_too_short":
      return t("problem.field.too_short");
    case "string_too_long":
      return t("problem.field.too_long");
    case "int_type":
    case "int_parsing":
    case "int_from_float":
      return t("problem.field.integer");
    case "enum":
    case "literal_error":
      return t("problem.field.choice");
    case "extra_forbidden":
      return t("problem.field.extra");
    case "date_from_datetime_parsing":
    case "date_parsing":
    case "date_type":
      return t("problem.field.date");
    case "bool_parsing":
    case "bool_type":
      return t("problem.field.boolean");
    default:
      return t("problem.field.invalid");
  }
}

/** An API field path in any spelling the services use — pydantic's dotted `items.2.amount`, a rule's
 * `items[2].amount`, a JSON pointer `/items/2/amount` — as its parts, a row index as a number, without the
 * "body" / "query" / "path" prefix pydantic adds. */
export function fieldPath(raw: string | undefined | null): (string | number)[] {
  const text = String(raw ?? "").trim();
  const parts = text.startsWith("/")
    ? text.slice(1).split("/").map((part) => part.replace(/~1/g, "/").replace(/~0/g, "~"))
    : text.replace(/\[(\d+)\]/g, ".$1").split(".");
  return parts
    .filter((part, index) => part !== "" && !(index === 0 && (part === "body" || part === "query" || part === "path")))
    .map((part) => (/^\d+$/.test(part) ? Number(part) : part));
}

/** The API's field path, dotted (`items.2.amount`) whatever spelling the service used. */
export function apiFieldOf(raw: string | undefined | null): string {
  return fieldPath(raw).join(".");
}

/**
 * Explain a problem for a form. `toFormField` maps an API field (dotted) to the form's own name (a 万元
 * input for a `_fen` field) or name path (a row's input: `["items", 2, "amount"]`); fields the form does
 * not have stay listed in `fields` with formField "", for the top of the form.
 */
export function explainProblem(
  problem: Problem,
  t: Translate,
  toFormField: (apiField: string) => string | (string | number)[] | null = (f) => f,
): ExplainedProblem {
  const fields: FieldMessage[] = [];
  const general: string[] = [];
  const entry = (apiField: string, message: string): FieldMessage => {
    const mapped = apiField ? toFormField(apiField) : null;
    if (Array.isArray(mapped)) return { apiField, formField: mapped.join("."), formPath: mapped, message };
    return { apiField, formField: mapped ?? "", message };
  };
  for (const error of problem.errors ?? []) {
    const apiField = apiFieldOf(error.field ?? error.loc?.join("."));
    fields.push(entry(apiField, validationMessage(error.type, error.message ?? error.msg, t)));
  }
  const violations = problem.violations ?? [];
  for (const violation of violations) {
    if (violation.field) {
      fields.push(entry(apiFieldOf(violation.field), t("problem.rule_message", { message: violation.message_zh, en: violation.message_en })));
    }
  }
  if (typeof problem.field === "string" && !problem.errors?.length && !violations.length) {
    fields.push(entry(apiFieldOf(problem.field), t("problem.field.invalid")));
  }
  const title = problemTitle(problem, t);
  if (problem.status === 409 && problem.stage) general.push(t("problem.wrong_stage", { stage: String(problem.stage) }));
  return { title, fields, violations, general };
}

/** The kind of a problem (the last segment of its type URI) → a plain title; never an HTTP code. */
export function problemTitle(problem: Problem, t: Translate): string {
  const kind = String(problem.type ?? "").split("/").pop() ?? "";
  if (problem.status === 0) return t("problem.kind.network");
  const key = `problem.kind.${kind}`;
  const translated = t(key);
  if (translated !== key) return translated;
  if (problem.status === 401) return t("problem.kind.unauthorized");
  if (problem.status === 403) return t("problem.kind.forbidden");
  if (problem.status === 404) return t("problem.kind.not-found");
  if (problem.status >= 500) return t("problem.kind.internal");
  return t("problem.kind.other");
}

/** "dazhou:第九条" → {pack: "dazhou", article: "第九条"}. */
export function splitCitation(citation: string): { pack: string; article: string } {
  const index = citation.indexOf(":");
  return index < 0 ? { pack: "", article: citation } : { pack: citation.slice(0, index), article: citation.slice(index + 1) };
}

/** The form field for an API field when the form enters amounts in 万元: x_fen → x_wan. */
export function wanFormField(apiField: string): string {
  return apiField.endsWith("_fen") ? `${apiField.slice(0, -4)}_wan` : apiField;
}
