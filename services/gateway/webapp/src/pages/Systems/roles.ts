// Who sees the catalog's lists in the menu (kept apart from the pages so the menu loads none of them).
/** Roles that read the system catalog (services/catalog/api/common.py READER_ROLES, people only). */
export const CATALOG_ROLES = ["unit", "data_bureau", "finance", "drc", "audit"];
/** Roles that read supervision findings (services/catalog/oversight/api.py OversightReaders, people only). */
export const FINDING_ROLES = ["unit", "data_bureau", "cyberspace", "finance", "police", "crypto", "audit", "leading_office", "drc"];
/** Roles that read data-operation tasks (services/catalog/data_operations/api.py Readers, people only). */
export const DATA_OPERATION_ROLES = ["data_bureau", "finance", "audit", "data_operator"];
