import { describe, expect, it } from "vitest";
import { OPERATIONS, nestedFields, type FieldSpec } from "../actions/operations";
import { hasMessage } from "../locales";
import { formPathOf, kindIn, kindOf, rawBodyRows, toApi } from "./ActionForm";

/** Free-form content: an object the service takes with any keys (an application's 申报材料 details). */
const freeForm = (field: FieldSpec) => field.schema.type === "object" && field.schema.additionalProperties === true && !field.schema.properties;

/** Every field of every registered action, nested ones by dotted path, with the kind its form gives it. */
function everyField(): { op: string; path: string[]; field: FieldSpec; kind: string }[] {
  const out: { op: string; path: string[]; field: FieldSpec; kind: string }[] = [];
  const walk = (op: string, field: FieldSpec, path: string[]) => {
    const kind = kindOf(field);
    out.push({ op, path, field, kind });
    if (kind === "rows") for (const sub of nestedFields(field.schema.items!)) walk(op, sub, [...path, sub.name]);
    if (kind === "group") for (const sub of nestedFields(field.schema)) walk(op, sub, [...path, sub.name]);
  };
  // an operation with a card of its own ('#attachments': a file upload) never opens this generic form
  for (const op of OPERATIONS.filter((o) => !o.page?.startsWith("#"))) {
    for (const field of op.fields ?? []) walk(op.key, field, [field.name]);
    // a body that is a list (a stock import) is rows too; any other raw body would be a JSON box
    if (op.rawBody) {
      const rows = rawBodyRows(op);
      if (rows) walk(op.key, rows, [rows.name]);
      else out.push({ op: op.key, path: ["body"], field: { name: "body", schema: op.rawBody, required: true, nullable: false }, kind: "json" });
    }
  }
  return out;
}

describe("action forms without JSON boxes", () => {
  it("renders no raw JSON box for a field whose schema is known, at any depth", () => {
    const boxes = everyField().filter(({ field, kind }) => kind === "json" && !freeForm(field)).map(({ op, path }) => `${op} ${path.join(".")}`);
    expect(boxes).toEqual([]);
  });

  it("gives 终验's items, the county parts and the shares rows of labelled inputs", () => {
    const fields = everyField();
    const at = (op: string, path: string) => fields.find((f) => f.op === op && f.path.join(".") === path)?.kind;
    const final = "acceptance POST /api/acceptance/projects/{project_id}/final-acceptance";
    expect(at(final, "items")).toBe("rows");
    expect(at(final, "items.kind")).toBe("text");
    expect(at(final, "items.passed")).toBe("boolean");
    expect(at("intake POST /api/intake/applications", "county_parts")).toBe("rows");
    expect(at("intake POST /api/intake/applications", "county_parts.share_fen")).toBe("money");
    expect(at("budget PUT /api/budget/projects/{project_id}/shares", "shares.level")).toBe("choice");
    expect(at("budget POST /api/budget/data-operation-payments", "third_party_check")).toBe("group");
    expect(at("review POST /api/review/projects/{project_id}/scheme-review", "scores.scores")).toBe("map");
  });

  it("labels every nested input from the catalogue", () => {
    const unlabelled = everyField()
      .filter(({ path }) => path.length > 1)
      .filter(({ path }) => !hasMessage(`field.${path[path.length - 2]}.${path[path.length - 1]}`) && !hasMessage(`field.${path[path.length - 1]}`))
      .map(({ path }) => path.join("."));
    expect([...new Set(unlabelled)]).toEqual([]);
  });

  it("sends rows, groups and maps as the service's objects: 万元 to fen, empty rows and fields left out", () => {
    const op = OPERATIONS.find((o) => o.key === "intake POST /api/intake/applications")!;
    const parts = op.fields!.find((f) => f.name === "county_parts")!;
    expect(
      toApi(parts, "rows", [
        { county: "柯城区", unit: "柯城区教育局", share_fen: "12.5" },
        {},
      ]),
    ).toEqual([{ county: "柯城区", unit: "柯城区教育局", share_fen: 12_500_000 }]);
    expect(toApi(parts, "rows", [{}])).toBeUndefined();

    const final = OPERATIONS.find((o) => o.key === "acceptance POST /api/acceptance/projects/{project_id}/final-acceptance")!;
    const items = final.fields!.find((f) => f.name === "items")!;
    expect(toApi(items, "rows", [{ kind: "mlps_test", passed: false }, { kind: "data_dictionary", passed: true, note: "" }])).toEqual([
      { kind: "mlps_test", passed: false },
      { kind: "data_dictionary", passed: true },
    ]);

    const scores = OPERATIONS.find((o) => o.key === "review POST /api/review/projects/{project_id}/scores")!.fields!.find((f) => f.name === "scores")!;
    expect(toApi(scores, "map", [{ key: " 技术 ", value: 18 }, { key: "", value: 3 }, { key: "经济" }])).toEqual({ 技术: 18 });

    const payment = OPERATIONS.find((o) => o.key === "budget POST /api/budget/data-operation-payments")!;
    const check = payment.fields!.find((f) => f.name === "third_party_check")!;
    expect(toApi(check, "group", { reviewer: "某评审机构", reference: "评〔2026〕3号", confirmed_amount_fen: "1" })).toEqual({
      reviewer: "某评审机构",
      reference: "评〔2026〕3号",
      confirmed_amount_fen: 1_000_000,
    });
    expect(toApi(check, "group", {})).toBeUndefined();
  });

  it("makes a map whose keys the page knows a score sheet, inside rows too", () => {
    const review = OPERATIONS.find((o) => o.key === "review POST /api/review/projects/{project_id}/scheme-review")!;
    const sheets = nestedFields(review.fields!.find((f) => f.name === "scores")!.schema.items!);
    const scores = sheets.find((f) => f.name === "scores")!;
    const dims = { scores: [{ value: "tech", label: "技术" }] };
    expect(kindIn(scores, ["scores", "scores"], dims)).toBe("sheet");
    expect(kindIn(scores, ["scores", "scores"], {})).toBe("map");
  });
});

describe("a service's error under the row it names", () => {
  const final = OPERATIONS.find((o) => o.key === "acceptance POST /api/acceptance/projects/{project_id}/final-acceptance")!;
  const fields = final.fields!;
  const values = { items: [{ kind: "mlps_test", passed: true }, { kind: "data_dictionary", passed: false }, { kind: "source_code", passed: true }] };

  it("maps pydantic's dotted path, a rule's bracketed path and a JSON pointer to the row's input", () => {
    for (const spelling of ["items.2.kind", "body.items.2.kind", "items[2].kind", "/items/2/kind"]) {
      expect(formPathOf(fields, spelling, values)).toEqual(["items", 2, "kind"]);
    }
  });

  it("counts only the rows that were sent: an empty row in the form is not the service's row", () => {
    const withBlank = { items: [{ kind: "mlps_test", passed: true }, {}, { kind: "source_code", passed: true }] };
    // toApi leaves the blank row out, so the service's row 1 is the form's row 2
    expect(toApi(fields.find((f) => f.name === "items")!, "rows", withBlank.items)).toHaveLength(2);
    expect(formPathOf(fields, "items.1.kind", withBlank)).toEqual(["items", 2, "kind"]);
  });

  it("puts an error about the list or a whole row on the list, and keeps what the form lacks at the top", () => {
    expect(formPathOf(fields, "items", values)).toEqual(["items"]);
    expect(formPathOf(fields, "items.1", values)).toEqual(["items"]);
    expect(formPathOf(fields, "items.7.kind", values)).toBeNull(); // no such row on the form
    expect(formPathOf(fields, "items.x.kind", values)).toBeNull();
    expect(formPathOf(fields, "nonexistent", values)).toBeNull();
    expect(formPathOf(fields, "", values)).toBeNull();
  });

  it("maps into groups and top-level fields, and a stock import's rows to the raw body", () => {
    const payment = OPERATIONS.find((o) => o.key === "budget POST /api/budget/data-operation-payments")!;
    expect(formPathOf(payment.fields!, "/third_party_check/confirmed_amount_fen", {})).toEqual(["third_party_check", "confirmed_amount_fen"]);
    expect(formPathOf(payment.fields!, "third_party_check", {})).toBeNull();
    const top = payment.fields![0].name;
    expect(formPathOf(payment.fields!, top, {})).toEqual([top]);
    const stock = OPERATIONS.find((o) => rawBodyRows(o))!;
    const rows = rawBodyRows(stock)!;
    const sub = nestedFields(rows.schema.items!)[0].name;
    expect(formPathOf([], `1.${sub}`, { "raw:body": [{ [sub]: "a" }, { [sub]: "b" }] }, {}, rows)).toEqual(["raw:body", 1, sub]);
  });
});
