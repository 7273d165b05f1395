// Who sees the catalog's lists in the menu (kept apart from the pages so the menu loads none of them).
/** Roles that read the system catalog (services/catalog/api/common.py READER_ROLES, people only). */
export const CATALOG_ROLES = ["unit", "data_bureau", "finance", "drc", "audit"];
