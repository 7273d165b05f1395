// One form for any write operation, built from its OpenAPI schema: labels from the catalogue, amounts in
// 万元, dates with a picker, choices as selects; a large amount asks for confirmation; every error at once.
import { useEffect, useMemo, useRef, useState, type ReactNode } from "react";
import { App, Button, Card, Checkbox, DatePicker, Form, Input, InputNumber, Select, Space, Switch, Typography } from "antd";
import dayjs, { type Dayjs } from "dayjs";
import { hasMessage, useI18n } from "../locales";
import { ApiProblem, newIdempotencyKey, request } from "../services/api";
import { fenToWan, fenToYuan, needsConfirmation, wanToFen } from "../services/money";
import { explainProblem, fieldPath, type ExplainedProblem } from "../services/problem";
import { choicesOf, nestedFields, operationUrl, type FieldSpec, type Operation } from "../actions/operations";
import ProblemAlert, { fieldLabel } from "./ProblemAlert";
import { MoneyInput, moneyRule } from "./MoneyInput";

type Kind =
  | "money" | "boolean" | "maybe" | "choice" | "choices" | "date" | "datetime" | "text" | "longtext" | "integer" | "number" | "list"
  // a map with keys the page knows (score sheet), a map of free keys, a list of objects, one object
  | "sheet" | "map" | "rows" | "group"
  // free-form content whose schema the service does not fix (an application's 申报材料 details)
  | "json";

type Suggestions = Record<string, { value: string; label: string }[]>;

/** A map of whole numbers or texts (a score sheet: dimension → score, or → comment), filled one labelled
 * row per known key. */
function isSheet(field: FieldSpec): boolean {
  const values = field.schema.additionalProperties;
  return field.schema.type === "object" && typeof values === "object" && ["integer", "string"].includes(values.type ?? "");
}

/** One labelled number (or text) per row the page knows (the pack's scored dimensions): no JSON to type. */
function ScoreSheet({ rows, value, onChange, min, max, text, testId }: { rows: { value: string; label: string }[]; value?: Record<string, number | string>; onChange?: (v: Record<string, number | string>) => void; min?: number; max?: number; text?: boolean; testId: string }) {
  return (
    <div style={{ display: "grid", gridTemplateColumns: text ? "minmax(0, 1fr) minmax(0, 2fr)" : "minmax(0, 1fr) 120px", gap: 8, alignItems: "center" }} data-testid={testId}>
      {rows.map((row) => (
        <label key={row.value} style={{ display: "contents" }}>
          <span>{row.label}</span>
          {text ? (
            <Input
              aria-label={row.label}
              value={value?.[row.value] as string | undefined}
              onChange={(e) => {
                const next = { ...(value ?? {}) };
                if (e.target.value) next[row.value] = e.target.value;
                else delete next[row.value];
                onChange?.(next);
              }}
            />
          ) : (
          <InputNumber
            aria-label={row.label}
            min={min}
            max={max}
            precision={0}
            style={{ width: "100%" }}
            value={value?.[row.value]}
            onChange={(n) => {
              const next = { ...(value ?? {}) };
              if (n === null || n === undefined) delete next[row.value];
              else next[row.value] = Number(n);
              onChange?.(next);
            }}
          />
          )}
        </label>
      ))}
    </div>
  );
}

export function kindOf(field: FieldSpec): Kind {
  const { schema, name } = field;
  if ((schema.type === "integer" || schema.type === "number") && name.endsWith("_fen")) return "money";
  // A nullable yes/no ("not said" is a third answer, e.g. a panel outcome the scores decide) is a select.
  if (schema.type === "boolean") return field.nullable ? "maybe" : "boolean";
  if (schema.type === "string" && choicesOf(schema)) return "choice";
  if (schema.type === "string" && schema.format === "date") return "date";
  if (schema.type === "string" && schema.format === "date-time") return "datetime";
  if (schema.type === "string") return (schema.maxLength ?? 0) > 300 ? "longtext" : "text";
  if (schema.type === "integer") return "integer";
  if (schema.type === "number") return "number";
  if (schema.type === "array" && schema.items && ["string", "integer"].includes(schema.items.type ?? "")) {
    return schema.items.type === "string" && choicesOf(schema.items) ? "choices" : "list";
  }
  // Lists of objects are rows of labelled inputs, objects are groups of them, as long as every field inside
  // has an input of its own (no JSON box one level down either).
  if (schema.type === "array" && schema.items?.properties && nestedFields(schema.items).every((sub) => kindOf(sub) !== "json")) return "rows";
  if (schema.properties && schema.additionalProperties !== true && nestedFields(schema).every((sub) => kindOf(sub) !== "json")) return "group";
  if (isSheet(field) && !schema.properties) return "map";
  return "json";
}

/** The kind a field takes on a page: a map whose keys the page knows (the pack's dimensions) is a sheet. The
 * suggestions are looked up by the field's dotted path (`items.kind`); a sheet also by its bare name. */
export function kindIn(field: FieldSpec, path: string[], suggestions: Suggestions): Kind {
  const known = suggestions[path.join(".")] ?? suggestions[field.name];
  return isSheet(field) && known?.length ? "sheet" : kindOf(field);
}

/** A new row's values: each yes/no starts at no, a field with a default starts there. */
function rowDefaults(subs: FieldSpec[]): Record<string, unknown> {
  return Object.fromEntries(
    subs
      .map((sub) => [sub.name, sub.schema.type === "boolean" && !sub.nullable ? (sub.schema.default ?? false) : undefined] as const)
      .filter(([, value]) => value !== undefined),
  );
}

function initialValue(field: FieldSpec, kind: Kind): unknown {
  const fallback = field.schema.default;
  if (fallback === undefined || fallback === null) return kind === "boolean" ? false : undefined;
  if (kind === "json") return JSON.stringify(fallback, null, 1);
  if (kind === "map") return Object.entries(fallback as Record<string, unknown>).map(([key, value]) => ({ key, value }));
  if (kind === "money") return undefined;
  if (kind === "date" && typeof fallback === "string") return dayjs(fallback);
  return fallback;
}

/** A nested object's form values → the API's object (only what was filled in). */
function objectToApi(subs: FieldSpec[], path: string[], suggestions: Suggestions, value: unknown): Record<string, unknown> {
  const object: Record<string, unknown> = {};
  for (const sub of subs) {
    const converted = toApi(sub, kindIn(sub, [...path, sub.name], suggestions), (value as Record<string, unknown> | undefined)?.[sub.name], [...path, sub.name], suggestions);
    if (converted !== undefined) object[sub.name] = converted;
  }
  return object;
}

export function toApi(field: FieldSpec, kind: Kind, value: unknown, path: string[] = [field.name], suggestions: Suggestions = {}): unknown {
  if (value === undefined || value === null || value === "") return undefined;
  switch (kind) {
    case "rows": {
      const subs = nestedFields(field.schema.items!);
      const rows = (value as unknown[]).map((row) => objectToApi(subs, path, suggestions, row)).filter((row) => Object.keys(row).length);
      return rows.length ? rows : undefined;
    }
    case "group": {
      const object = objectToApi(nestedFields(field.schema), path, suggestions, value);
      return Object.keys(object).length ? object : undefined;
    }
    case "map": {
      const numeric = typeof field.schema.additionalProperties === "object" && field.schema.additionalProperties.type !== "string";
      const entries = (value as { key?: string; value?: unknown }[]).filter(
        (entry) => entry?.key?.trim() && entry.value !== undefined && entry.value !== null && entry.value !== "",
      );
      return entries.length ? Object.fromEntries(entries.map((entry) => [entry.key!.trim(), numeric ? Number(entry.value) : String(entry.value)])) : undefined;
    }
    case "money":
      return wanToFen(String(value));
    case "date":
      return (value as Dayjs).format("YYYY-MM-DD");
    case "datetime":
      return (value as Dayjs).toISOString();
    case "list":
      return (value as string[]).map((item) => (field.schema.items?.type === "integer" ? Number(item) : item));
    case "json":
      return JSON.parse(String(value));
    case "sheet":
      return Object.keys(value as object).length ? value : undefined;
    default:
      return value;
  }
}

export type NamePath = (string | number)[];

/**
 * Where an API field's error shows in the form: the name path of the input it belongs to — inside rows,
 * the row's own input (`items.2.amount`, `items[2].amount` or `/items/2/amount` → `["items", 2, "amount"]`),
 * counting only the rows that were sent (empty rows are left out of the body, so the service's row 2 may
 * be the form's row 3); the list itself for an error about the list or a whole row; null when the form has
 * no input for it, so the message stays at the top of the form.
 */
export function formPathOf(
  fields: FieldSpec[],
  apiField: string,
  values: Record<string, unknown> = {},
  suggestions: Suggestions = {},
  rawRows: FieldSpec | null = null,
): NamePath | null {
  const parts = fieldPath(apiField);
  if (!parts.length) return null;
  // A body that is itself a list (a stock import) answers `0.name`; its rows are the form's `raw:body`.
  const top = typeof parts[0] === "number" && rawRows ? rawRows : fields.find((field) => field.name === parts[0]);
  if (!top) return null;
  const rest = top === rawRows ? parts : parts.slice(1);
  const formName = top === rawRows ? "raw:body" : top.name;
  const kind = top === rawRows ? "rows" : kindIn(top, [top.name], suggestions);
  return walkPath(top, kind, [formName], [top.name], rest, values[formName], suggestions);
}

function walkPath(field: FieldSpec, kind: Kind, name: NamePath, path: string[], rest: NamePath, value: unknown, suggestions: Suggestions): NamePath | null {
  if (kind === "rows") {
    const [index, sub, ...deeper] = rest;
    if (index === undefined) return name;
    if (typeof index !== "number") return null;
    const subs = nestedFields(field.schema.items!);
    const rows = Array.isArray(value) ? (value as unknown[]) : [];
    const sent = rows.map((row, at) => ({ row, at })).filter(({ row }) => Object.keys(objectToApi(subs, path, suggestions, row)).length);
    const row = sent[index];
    if (!row) return null;
    if (sub === undefined) return name; // the row as a whole: the list's own error line
    const inner = subs.find((candidate) => candidate.name === sub);
    if (!inner) return name;
    const innerPath = [...path, inner.name];
    return walkPath(inner, kindIn(inner, innerPath, suggestions), [...name, row.at, inner.name], innerPath, deeper, (row.row as Record<string, unknown> | undefined)?.[inner.name], suggestions);
  }
  if (kind === "group") {
    const [sub, ...deeper] = rest;
    const inner = nestedFields(field.schema).find((candidate) => candidate.name === sub);
    if (!inner) return null; // a group has no error line of its own
    const innerPath = [...path, inner.name];
    return walkPath(inner, kindIn(inner, innerPath, suggestions), [...name, inner.name], innerPath, deeper, (value as Record<string, unknown> | undefined)?.[inner.name], suggestions);
  }
  // A plain input, a key–value list or a sheet: one error line, whatever entry inside it was wrong.
  return name;
}

/** A body that is a list of objects (a stock import of systems) as rows like any list field, named `body`. */
export function rawBodyRows(op: Operation): FieldSpec | null {
  if (!op.rawBody) return null;
  const field: FieldSpec = { name: "body", schema: op.rawBody, required: true, nullable: false };
  return kindOf(field) === "rows" ? field : null;
}

export interface ActionFormProps {
  op: Operation;
  /** path parameters known from the page (project_id) */
  context?: Record<string, string>;
  /** choices the page knows for a free-text field (the project's contracts for contract_id; a nested
   * field by its dotted path, `items.kind`) and the keys of a map (the pack's score dimensions) */
  suggestions?: Suggestions;
  /** the rows a list of objects starts with (the acceptance items the pack requires) */
  initialRows?: Record<string, Record<string, unknown>[]>;
  onDone?: (result: unknown) => void;
}

export default function ActionForm({ op, context = {}, suggestions = {}, initialRows = {}, onDone }: ActionFormProps) {
  const { t, label } = useI18n();
  const { modal, message } = App.useApp();
  const [form] = Form.useForm();
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<ExplainedProblem | null>(null);
  // the labels of nested fields a problem names, as the form shows them (「验收事项 第 3 项 · 金额」)
  const [labels, setLabels] = useState<Record<string, string>>({});
  const idempotencyKey = useRef(newIdempotencyKey());
  const openParams = op.pathParams.filter((name) => !context[name]);
  const fields = useMemo(() => (op.fields ?? []).filter((field) => !(field.name in context)), [op, context]);
  const kinds = useMemo(
    () => Object.fromEntries(fields.map((field) => [field.name, kindIn(field, [field.name], suggestions)])) as Record<string, Kind>,
    [fields, suggestions],
  );
  const labelOf = (name: string) => fieldLabel(label, t, name);
  const rawRows = useMemo(() => rawBodyRows(op), [op]);
  // Rows the page learns after the form opened (its pack arrives a moment later): filled in while the list
  // is still untouched and empty.
  const startingRows = JSON.stringify(initialRows);
  useEffect(() => {
    for (const [name, rows] of Object.entries(JSON.parse(startingRows) as Record<string, unknown[]>)) {
      const current = form.getFieldValue(name) as unknown[] | undefined;
      if (rows.length && !form.isFieldTouched(name) && !current?.length) form.setFieldValue(name, rows);
    }
  }, [form, startingRows]);
  /** A nested field's label: the catalogue's `field.<parent>.<name>` where the bare name would mislead. */
  const labelAt = (path: string[]) => {
    const name = path[path.length - 1];
    const specific = `field.${path[path.length - 2]}.${name}`;
    return path.length > 1 && hasMessage(specific) ? `${t(specific)}${name.endsWith("_fen") ? `（${t("common.wan")}）` : ""}` : labelOf(name);
  };

  /** A form name path as the form labels it: each row by its title, each field by its label. */
  const pathLabel = (name: NamePath) => {
    const path: string[] = [];
    const words: string[] = [];
    for (const part of name) {
      if (typeof part === "number") words[words.length - 1] = t("actions.row_title", { what: words[words.length - 1], n: part + 1 });
      else {
        path.push(part === "raw:body" ? "body" : part);
        words.push(labelAt(path));
      }
    }
    return words.join(" · ");
  };

  const control = (field: FieldSpec, kind: Kind, path: string[] = [field.name]) => {
    const known = suggestions[path.join(".")];
    if (known?.length && (kind === "text" || kind === "longtext")) {
      return <Select showSearch allowClear={!field.required} options={known} optionFilterProp="label" />;
    }
    // A list whose items the page knows (the pre-screening panel's members, its findings): a checklist of
    // labelled boxes, not codes typed one per line.
    if (known?.length && kind === "list") {
      return <Checkbox.Group options={known} data-testid={`checklist-${path.join(".")}`} style={{ display: "flex", flexDirection: "column", gap: 4 }} />;
    }
    switch (kind) {
      case "money":
        return <MoneyInput />;
      case "boolean":
        return <Switch checkedChildren={t("common.yes")} unCheckedChildren={t("common.no")} />;
      case "maybe":
        return (
          <Select
           
            allowClear
            options={[
              { value: true, label: t("common.yes") },
              { value: false, label: t("common.no") },
            ]}
          />
        );
      case "choice":
        return (
          <Select
           
            allowClear={!field.required}
            options={choicesOf(field.schema)!.map((value) => ({ value, label: label(`code.${value}`, value) }))}
          />
        );
      case "choices":
        return (
          <Select
            mode="multiple"
           
            options={choicesOf(field.schema.items!)!.map((value) => ({ value, label: label(`code.${value}`, value) }))}
          />
        );
      case "date":
        return <DatePicker style={{ width: "100%" }} />;
      case "datetime":
        return <DatePicker showTime style={{ width: "100%" }} />;
      case "longtext":
        return <Input.TextArea autoSize={{ minRows: 2, maxRows: 8 }} />;
      case "integer":
      case "number":
        return <InputNumber style={{ width: "100%" }} min={field.schema.minimum} max={field.schema.maximum} precision={kind === "integer" ? 0 : undefined} />;
      case "list":
        return <Select mode="tags" tokenSeparators={[",", "，", "\n"]} open={false} suffixIcon={null} />;
      case "sheet":
        return (
          <ScoreSheet
            rows={(suggestions[path.join(".")] ?? suggestions[field.name])!}
            testId={`sheet-${field.name}`}
            text={typeof field.schema.additionalProperties === "object" && field.schema.additionalProperties.type === "string"}
          />
        );
      case "json":
        return <Input.TextArea autoSize={{ minRows: 3, maxRows: 12 }} placeholder={t("actions.form_json_hint")} />;
      default:
        return <Input />;
    }
  };

  const rulesOf = (kind: Kind, required: boolean) => {
    const rules: object[] = [];
    if (kind === "money") rules.push(moneyRule(t, required));
    else if (required && kind !== "boolean") rules.push({ required: true, message: t("problem.field.missing") });
    if (kind === "json")
      rules.push({
        validator: async (_: unknown, value: string | undefined) => {
          if (value && value.trim()) JSON.parse(value);
        },
        message: t("problem.field.json"),
      });
    return rules;
  };

  /** One field as a form item: a plain input, or rows / a group / key–value pairs of them, each labelled.
   * `name` is the form path (relative inside a list), `path` the field's dotted place for labels and suggestions. */
  const item = (field: FieldSpec, kind: Kind, name: (string | number)[], path: string[], required: boolean): ReactNode => {
    const text = labelAt(path);
    const key = name.join(".");
    if (kind === "rows") {
      const subs = nestedFields(field.schema.items!);
      const min = (field.schema as { minItems?: number }).minItems ?? (required ? 1 : 0);
      return (
        <Form.Item key={key} label={text} required={min > 0}>
          <Form.List
            name={name}
            rules={min > 0 ? [{ validator: async (_: unknown, rows: unknown[] | undefined) => { if ((rows?.length ?? 0) < min) throw new Error(t("actions.rows_min", { count: min })); } }] : undefined}
          >
            {(rows, { add, remove }, { errors }) => (
              <div data-testid={`rows-${path.join(".")}`}>
                {rows.map((row, index) => (
                  <Card
                    key={row.key}
                    size="small"
                    style={{ marginBottom: 8 }}
                    data-testid={`row-${path.join(".")}`}
                    title={t("actions.row_title", { what: text, n: index + 1 })}
                    extra={
                      <Button type="link" size="small" danger onClick={() => remove(row.name)} aria-label={t("actions.row_remove_aria", { what: text, n: index + 1 })}>
                        {t("actions.row_remove")}
                      </Button>
                    }
                  >
                    {subs.map((sub) => item(sub, kindIn(sub, [...path, sub.name], suggestions), [row.name, sub.name], [...path, sub.name], sub.required))}
                  </Card>
                ))}
                <Button type="dashed" block onClick={() => add(rowDefaults(subs))}>
                  {t("actions.row_add", { what: text })}
                </Button>
                <Form.ErrorList errors={errors} />
              </div>
            )}
          </Form.List>
        </Form.Item>
      );
    }
    if (kind === "group") {
      return (
        <Form.Item key={key} label={text} required={required}>
          <div style={{ paddingLeft: 12, borderLeft: "2px solid rgba(5, 5, 5, 0.06)" }} data-testid={`group-${path.join(".")}`}>
            {/* An optional group's inner fields are asked for only when the group is. */}
            {nestedFields(field.schema).map((sub) => item(sub, kindIn(sub, [...path, sub.name], suggestions), [...name, sub.name], [...path, sub.name], required && sub.required))}
          </div>
        </Form.Item>
      );
    }
    if (kind === "map") {
      const numeric = typeof field.schema.additionalProperties === "object" && field.schema.additionalProperties.type !== "string";
      return (
        <Form.Item key={key} label={text} required={required}>
          <Form.List name={name}>
            {(entries, { add, remove }, { errors }) => (
              <div data-testid={`map-${path.join(".")}`}>
                {entries.map((entry, index) => (
                  <Space key={entry.key} align="start" wrap style={{ display: "flex" }}>
                    <Form.Item name={[entry.name, "key"]} label={t("actions.map_key")} rules={[{ required: true, message: t("problem.field.missing") }]}>
                      <Input />
                    </Form.Item>
                    <Form.Item name={[entry.name, "value"]} label={t("actions.map_value")} rules={[{ required: true, message: t("problem.field.missing") }]}>
                      {numeric ? <InputNumber precision={0} /> : <Input />}
                    </Form.Item>
                    <Button type="link" danger onClick={() => remove(entry.name)} aria-label={t("actions.row_remove_aria", { what: text, n: index + 1 })} style={{ marginTop: 30 }}>
                      {t("actions.row_remove")}
                    </Button>
                  </Space>
                ))}
                <Button type="dashed" block onClick={() => add()}>
                  {t("actions.row_add", { what: text })}
                </Button>
                <Form.ErrorList errors={errors} />
              </div>
            )}
          </Form.List>
        </Form.Item>
      );
    }
    return (
      <Form.Item
        key={key}
        name={name}
        label={text}
        valuePropName={kind === "boolean" ? "checked" : "value"}
        required={required && kind !== "boolean"}
        rules={rulesOf(kind, required)}
        extra={kind === "list" && !suggestions[path.join(".")]?.length ? t("actions.list_hint") : undefined}
      >
        {control(field, kind, path)}
      </Form.Item>
    );
  };

  const send = async (values: Record<string, unknown>) => {
    const params: Record<string, string> = { ...context };
    for (const name of openParams) params[name] = String(values[`path:${name}`] ?? "").trim();
    const query: Record<string, string> = {};
    for (const param of op.queryParams) {
      const value = values[`query:${param.name}`];
      if (value !== undefined && value !== null && value !== "") query[param.name] = String(value);
    }
    let body: unknown = undefined;
    if (op.fields) {
      const object: Record<string, unknown> = {};
      for (const field of op.fields) {
        if (field.name in context) object[field.name] = context[field.name];
        else {
          const value = toApi(field, kinds[field.name], values[field.name], [field.name], suggestions);
          if (value !== undefined) object[field.name] = value;
        }
      }
      body = op.hasBody ? object : undefined;
    } else if (rawRows) {
      body = toApi(rawRows, "rows", values["raw:body"], [rawRows.name], suggestions) ?? [];
    } else if (op.rawBody) {
      body = JSON.parse(String(values["raw:body"] ?? "null"));
    }
    setBusy(true);
    setProblem(null);
    try {
      const result = await request(op.method, operationUrl(op, params), { body, query, idempotencyKey: idempotencyKey.current });
      idempotencyKey.current = newIdempotencyKey();
      message.success(t("actions.done"));
      onDone?.(result);
    } catch (error) {
      if (!(error instanceof ApiProblem)) throw error;
      const explained = explainProblem(error.problem, t, (apiField) => {
        const [top] = fieldPath(apiField);
        if (openParams.includes(String(top))) return `path:${top}`;
        return formPathOf(fields, apiField, values, suggestions, rawRows);
      });
      const byField = new Map<string, { name: NamePath; errors: string[] }>();
      for (const entry of explained.fields) {
        if (!entry.formField) continue;
        const name = entry.formPath ?? [entry.formField];
        const key = JSON.stringify(name);
        if (!byField.has(key)) byField.set(key, { name, errors: [] });
        byField.get(key)!.errors.push(entry.message);
      }
      form.setFields([...byField.values()]);
      setLabels(Object.fromEntries(explained.fields.filter((entry) => entry.formPath && entry.formPath.length > 1).map((entry) => [entry.formField, pathLabel(entry.formPath!)])));
      setProblem(explained);
    } finally {
      setBusy(false);
    }
  };

  const onFinish = (values: Record<string, unknown>) => {
    // A 万元 amount above 1亿元 is more often 元 typed as 万元 than a real amount: ask before sending.
    const large = fields.find((field) => kinds[field.name] === "money" && values[field.name] && needsConfirmation(wanToFen(String(values[field.name]))));
    if (!large) return send(values);
    const fen = wanToFen(String(values[large.name]));
    modal.confirm({
      title: t("money.large_title"),
      content: t("money.large_body", { wan: fenToWan(fen), yuan: fenToYuan(fen) }),
      okText: t("money.large_ok"),
      cancelText: t("common.cancel"),
      onOk: () => send(values),
    });
  };

  const initial = Object.fromEntries(fields.map((field) => [field.name, initialRows[field.name] ?? initialValue(field, kinds[field.name])]));
  return (
    <Form form={form} layout="vertical" onFinish={onFinish} initialValues={initial} data-testid="action-form" data-op={op.key} scrollToFirstError>
      {problem && (
        <div style={{ marginBottom: 16 }}>
          <ProblemAlert explained={problem} formLabels={labels} />
        </div>
      )}
      {openParams.map((name) => (
        <Form.Item key={name} name={`path:${name}`} label={labelOf(name)} rules={[{ required: true, message: t("problem.field.missing") }]}>
          {suggestions[name]?.length ? <Select showSearch options={suggestions[name]} optionFilterProp="label" /> : <Input />}
        </Form.Item>
      ))}
      {op.queryParams.map((param) => (
        <Form.Item key={param.name} name={`query:${param.name}`} label={labelOf(param.name)} rules={[{ required: param.required, message: t("problem.field.missing") }]}>
          <Input />
        </Form.Item>
      ))}
      {fields.map((field) => item(field, kinds[field.name], [field.name], [field.name], field.required))}
      {rawRows && item(rawRows, "rows", ["raw:body"], [rawRows.name], true)}
      {op.rawBody && !rawRows && (
        <Form.Item name="raw:body" label={t("field.content")} rules={[{ required: true, message: t("problem.field.missing") }]}>
          <Input.TextArea autoSize={{ minRows: 4, maxRows: 16 }} placeholder={t("actions.form_json_hint")} />
        </Form.Item>
      )}
      <Typography.Paragraph type="secondary" style={{ fontSize: 12 }}>
        {op.roles.length ? op.roles.map((role) => label(`role.${role}`, role)).join("、") : ""}
      </Typography.Paragraph>
      <Button type="primary" htmlType="submit" loading={busy}>
        {t("actions.submit")}
      </Button>
    </Form>
  );
}
