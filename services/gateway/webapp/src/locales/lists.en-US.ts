// The English messages of the catalog, supervision findings and data operations lists (key for key as lists.zh-CN.ts).
import type listsZh from "./lists.zh-CN";

const listsEn: Record<keyof typeof listsZh, string> = {
  "nav.systems": "System catalog",

  "lists.sort": "Sort",
  "lists.yes": "Yes",
  "lists.no": "No",
  "lists.export": "Export to Excel",
  "lists.exporting": "Exporting…",
  "lists.export_failed": "The export failed; please try again later",
  "lists.export_cut": "More than {cap} rows: the first {cap} were exported; narrow the filters",

  systems: "System catalog",
  "systems.not_for_role": "Your role does not read the system catalog; open projects from your to-do list.",
  "systems.filter.q": "System name",
  "systems.filter.unit": "Unit",
  "systems.filter.jurisdiction": "Jurisdiction",
  "systems.filter.state": "State",
  "systems.filter.year": "Year catalogued",
  "systems.filter.zombie": "Zombie system",
  "systems.sort.id": "By number",
  "systems.sort.newest": "Newest in the catalog first",
  "systems.sort.oldest": "Oldest in the catalog first",
  "systems.sort.name": "By system name",
  "systems.sort.unit": "By unit",
  "systems.totals": "{n} systems",
  "systems.col.name": "System name",
  "systems.col.unit": "Unit",
  "systems.col.jurisdiction": "Jurisdiction",
  "systems.col.state": "State",
  "systems.col.registered_on": "Catalogued on",
  "systems.col.origin": "Origin",
  "systems.col.project": "Project number",
  "systems.hidden_name": "(secret system)",
  "systems.zombie": "Zombie system",
  "systems.origin.acceptance": "Catalogued on acceptance",
  "systems.origin.stock_import": "Stock import",
};

export default listsEn;
