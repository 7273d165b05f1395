// The query of a list screen, read from the address (filters, sort choice, page) and turned into the API's.

/** The API's query from the address: the filters as given, the sort choice expanded, the page as an offset. */
export function queryOf(
  spec: { filters: { name: string }[]; sorts: Record<string, { sort: string; order: "asc" | "desc" }> },
  params: URLSearchParams,
  size: number,
) {
  const query: Record<string, string | number> = {};
  for (const filter of spec.filters) {
    const value = params.get(filter.name);
    if (value) query[filter.name] = value;
  }
  const keys = Object.keys(spec.sorts);
  const chosen = spec.sorts[params.get("sortBy") ?? keys[0]] ?? spec.sorts[keys[0]];
  const page = Math.max(1, Number(params.get("page")) || 1);
  return { filters: { ...query, sort: chosen.sort, order: chosen.order }, limit: size, offset: (page - 1) * size, page };
}
