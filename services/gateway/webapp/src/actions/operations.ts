// The write operations of the six services, read from their OpenAPI documents (dumped at build time by
// scripts/dump_openapi.py) and joined with the registry of where the workbench offers each one.
import intake from "../../openapi/intake.json";
import review from "../../openapi/review.json";
import budget from "../../openapi/budget.json";
import procurement from "../../openapi/procurement.json";
import acceptance from "../../openapi/acceptance.json";
import catalog from "../../openapi/catalog.json";
import registry from "./registry.json";

export type JsonSchema = {
  type?: string;
  format?: string;
  enum?: unknown[];
  pattern?: string;
  title?: string;
  description?: string;
  default?: unknown;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  maxLength?: number;
  minLength?: number;
  items?: JsonSchema;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  $ref?: string;
  const?: unknown;
};

type OpenApi = {
  paths: Record<string, Record<string, OpenApiOperation>>;
  components?: { schemas?: Record<string, JsonSchema> };
};
type OpenApiOperation = {
  summary?: string;
  operationId?: string;
  parameters?: { in: string; name: string; required?: boolean; schema?: JsonSchema }[];
  requestBody?: { content?: Record<string, { schema?: JsonSchema }>; required?: boolean };
  "x-roles"?: string[];
};

export const SPECS: Record<string, OpenApi> = {
  intake: intake as unknown as OpenApi,
  review: review as unknown as OpenApi,
  budget: budget as unknown as OpenApi,
  procurement: procurement as unknown as OpenApi,
  acceptance: acceptance as unknown as OpenApi,
  catalog: catalog as unknown as OpenApi,
};

export const SERVICE_ORDER = ["intake", "review", "budget", "procurement", "acceptance", "catalog"];

export interface FieldSpec {
  name: string;
  schema: JsonSchema; // resolved, nullability folded in
  required: boolean;
  nullable: boolean;
}

export interface Operation {
  /** "intake POST /api/intake/applications/{project_id}/submit": the registry's and the catalogue's key */
  key: string;
  service: string;
  method: string;
  path: string;
  pathParams: string[];
  queryParams: FieldSpec[];
  /** the JSON body's top-level fields; null when the body is not an object (then `rawBody`) */
  fields: FieldSpec[] | null;
  rawBody: JsonSchema | null;
  hasBody: boolean;
  roles: string[];
  entry: "project" | "desk";
  page?: string;
}

function resolve(spec: OpenApi, schema: JsonSchema | undefined, depth = 0): JsonSchema {
  if (!schema) return {};
  if (schema.$ref && depth < 8) {
    const name = schema.$ref.split("/").pop()!;
    return resolve(spec, spec.components?.schemas?.[name], depth + 1);
  }
  if (schema.allOf?.length === 1) return resolve(spec, schema.allOf[0], depth + 1);
  return schema;
}

/** `anyOf: [X, {type: null}]` → X, nullable. */
export function unwrapNullable(spec: OpenApi, schema: JsonSchema): { schema: JsonSchema; nullable: boolean } {
  const resolved = resolve(spec, schema);
  const options = resolved.anyOf ?? resolved.oneOf;
  if (options) {
    const real = options.filter((option) => option.type !== "null");
    if (real.length === 1) {
      const inner = resolve(spec, real[0]);
      return {
        schema: { ...inner, title: resolved.title ?? inner.title, default: resolved.default ?? inner.default, description: resolved.description ?? inner.description },
        nullable: real.length !== options.length,
      };
    }
  }
  return { schema: resolved, nullable: false };
}

/** A schema with every `$ref` below it replaced by what it names (nested rows and groups read it offline). */
function deref(spec: OpenApi, schema: JsonSchema, depth = 0): JsonSchema {
  const resolved = resolve(spec, schema);
  if (depth > 8) return resolved;
  const out: JsonSchema = { ...resolved };
  if (resolved.properties) out.properties = Object.fromEntries(Object.entries(resolved.properties).map(([k, v]) => [k, deref(spec, v, depth + 1)]));
  if (resolved.items) out.items = deref(spec, resolved.items, depth + 1);
  if (typeof resolved.additionalProperties === "object") out.additionalProperties = deref(spec, resolved.additionalProperties, depth + 1);
  if (resolved.anyOf) out.anyOf = resolved.anyOf.map((option) => deref(spec, option, depth + 1));
  if (resolved.oneOf) out.oneOf = resolved.oneOf.map((option) => deref(spec, option, depth + 1));
  return out;
}

function fieldsOf(spec: OpenApi, schema: JsonSchema): FieldSpec[] {
  const required = new Set(schema.required ?? []);
  return Object.entries(schema.properties ?? {}).map(([name, property]) => {
    const { schema: inner, nullable } = unwrapNullable(spec, deref(spec, property));
    const items = inner.items ? unwrapNullable(spec, inner.items).schema : undefined;
    return { name, schema: items ? { ...inner, items } : inner, required: required.has(name), nullable };
  });
}

/** The fields of a nested object (a row of a list, a group): its properties, nullability folded in. */
export function nestedFields(schema: JsonSchema): FieldSpec[] {
  return fieldsOf({ paths: {} }, schema);
}

const WRITE_METHODS = ["post", "put", "patch", "delete"];
const REGISTRY = registry.operations as Record<string, { entry: "project" | "desk"; page?: string }>;

function build(): Operation[] {
  const operations: Operation[] = [];
  for (const service of SERVICE_ORDER) {
    const spec = SPECS[service];
    for (const [path, methods] of Object.entries(spec.paths)) {
      for (const [method, operation] of Object.entries(methods)) {
        if (!WRITE_METHODS.includes(method)) continue;
        const key = `${service} ${method.toUpperCase()} ${path}`;
        const placement = REGISTRY[key];
        if (!placement) continue; // machine-to-machine only (see tests/contract/test_ui_action_coverage.py)
        // An optional body (`anyOf: [X, null]`) is X's fields, all of them sent only when filled in.
        const body = unwrapNullable(spec, operation.requestBody?.content?.["application/json"]?.schema ?? {}).schema;
        const objectBody = body.type === "object" || Boolean(body.properties);
        operations.push({
          key,
          service,
          method: method.toUpperCase(),
          path,
          pathParams: (operation.parameters ?? []).filter((p) => p.in === "path").map((p) => p.name),
          queryParams: (operation.parameters ?? [])
            .filter((p) => p.in === "query")
            .map((p) => ({ name: p.name, required: Boolean(p.required), ...unwrapNullable(spec, p.schema ?? {}) })),
          fields: operation.requestBody ? (objectBody ? fieldsOf(spec, body) : null) : [],
          rawBody: operation.requestBody && !objectBody ? body : null,
          hasBody: Boolean(operation.requestBody),
          roles: operation["x-roles"] ?? [],
          entry: placement.entry,
          page: placement.page,
        });
      }
    }
  }
  return operations;
}

export const OPERATIONS: Operation[] = build();

export function operationsFor(roles: string[], entry?: "project" | "desk"): Operation[] {
  return OPERATIONS.filter(
    (op) => (!entry || op.entry === entry) && (op.roles.length === 0 || op.roles.some((role) => roles.includes(role))),
  );
}

export function findOperation(key: string): Operation | undefined {
  return OPERATIONS.find((op) => op.key === key);
}

/** The URL of an operation with its path parameters filled in. */
export function operationUrl(op: Operation, params: Record<string, string>): string {
  return op.path.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(params[name] ?? ""));
}

/** The choices of a string field: its enum, or the alternatives of a `^(a|b|c)$` pattern. */
export function choicesOf(schema: JsonSchema): string[] | null {
  if (schema.enum) return schema.enum.map(String);
  const match = schema.pattern ? /^\^\(([\w|-]+)\)\$$/.exec(schema.pattern) : null;
  return match ? match[1].split("|") : null;
}
