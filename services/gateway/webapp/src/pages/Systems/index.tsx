// 系统目录: every system in the catalog, searched by part of its name or its unit's name, filtered by
// jurisdiction, state, year it entered the catalog and zombie listing, sorted, paged on the server, exported.
import { Link } from "react-router-dom";
import { Alert, Space, Tag, Typography } from "antd";
import { useAuth } from "../../components/auth";
import ListPage, { type FilterSpec, type ListSpec } from "../../components/ListPage";
import { useI18n } from "../../locales";
import { JURISDICTIONS } from "../Library/lists";
import { CATALOG_ROLES } from "./roles";

export interface CatalogSystem {
  id: string;
  project_id: string | null;
  unit: string;
  jurisdiction: string;
  name: string | null;
  secret: boolean;
  state: string;
  registered_on: string;
  origin: string;
  zombie_since: string | null;
}

export const SYSTEM_STATES = ["running", "trial", "suspended", "retired"];

export const SYSTEM_FILTERS: FilterSpec[] = [
  { name: "q", label: "systems.filter.q", kind: "text", maxLength: 100 },
  { name: "unit_name", label: "systems.filter.unit", kind: "text", maxLength: 120 },
  { name: "jurisdiction", label: "systems.filter.jurisdiction", kind: "select", options: JURISDICTIONS.map((j) => ({ value: j, label: `jurisdiction.${j}` })) },
  { name: "state", label: "systems.filter.state", kind: "select", options: SYSTEM_STATES.map((s) => ({ value: s, label: `stage.catalog.${s}` })) },
  { name: "year", label: "systems.filter.year", kind: "year" },
  { name: "zombie", label: "systems.filter.zombie", kind: "yesno" },
];

export const SYSTEM_SORTS: ListSpec<CatalogSystem>["sorts"] = {
  id: { sort: "id", order: "asc" },
  newest: { sort: "registered_on", order: "desc" },
  oldest: { sort: "registered_on", order: "asc" },
  name: { sort: "name", order: "asc" },
  unit: { sort: "unit", order: "asc" },
};

export default function Systems() {
  const { t } = useI18n();
  const { hasRole } = useAuth();
  if (!hasRole(...CATALOG_ROLES)) return <Alert type="info" showIcon message={t("systems.not_for_role")} />;
  const spec: ListSpec<CatalogSystem> = {
    title: "systems",
    testId: "systems",
    endpoint: "/api/catalog/systems",
    fileName: "系统目录.xlsx",
    filters: SYSTEM_FILTERS,
    sorts: SYSTEM_SORTS,
    rowKey: "id",
    narrowColumns: ["name", "state"],
    totals: "systems.totals",
    columns: [
      {
        title: t("systems.col.name"),
        key: "name",
        render: (_, row) => (
          <Space direction="vertical" size={0}>
            <span data-testid="name">{row.name ?? t("systems.hidden_name")}</span>
            <Typography.Text type="secondary" style={{ fontSize: 12 }}>
              {row.id} · {row.unit}
            </Typography.Text>
          </Space>
        ),
      },
      { title: t("systems.col.unit"), dataIndex: "unit", key: "unit" },
      { title: t("systems.col.jurisdiction"), key: "jurisdiction", render: (_, row) => t(`jurisdiction.${row.jurisdiction}`) },
      {
        title: t("systems.col.state"),
        key: "state",
        render: (_, row) => (
          <Space size={4} wrap>
            <Tag data-testid="state">{t(`stage.catalog.${row.state}`)}</Tag>
            {row.zombie_since && <Tag color="red">{t("systems.zombie")}</Tag>}
          </Space>
        ),
      },
      { title: t("systems.col.registered_on"), key: "registered_on", render: (_, row) => <span data-testid="registered_on">{row.registered_on}</span> },
      { title: t("systems.col.origin"), key: "origin", render: (_, row) => t(`systems.origin.${row.origin}`) },
      {
        title: t("systems.col.project"),
        key: "project",
        render: (_, row) => (row.project_id ? <Link to={`/projects/${row.project_id}`}>{row.project_id}</Link> : "—"),
      },
    ],
  };
  return <ListPage spec={spec} />;
}
