import { describe, expect, it } from "vitest";
import { queryOf } from "./listQuery";

const spec = {
  filters: [{ name: "q" }, { name: "state" }, { name: "year" }],
  sorts: { id: { sort: "id", order: "asc" as const }, newest: { sort: "registered_on", order: "desc" as const } },
};

describe("a list's query from the address", () => {
  it("keeps the filters given, expands the sort choice and turns the page into an offset", () => {
    const query = queryOf(spec, new URLSearchParams("q=教育&year=2024&sortBy=newest&page=3&other=x"), 20);
    expect(query.filters).toEqual({ q: "教育", year: "2024", sort: "registered_on", order: "desc" });
    expect([query.limit, query.offset, query.page]).toEqual([20, 40, 3]);
  });

  it("falls back to the first sort and the first page on anything else", () => {
    const query = queryOf(spec, new URLSearchParams("sortBy=price&page=-2&state="), 50);
    expect(query.filters).toEqual({ sort: "id", order: "asc" });
    expect([query.offset, query.page]).toEqual([0, 1]);
  });
});
