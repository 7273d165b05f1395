// 监督检查问题: supervision findings searched by part of their text or the unit's name, filtered by
// jurisdiction, area, status, the year recorded and whether the rectification is overdue, sorted, exported.
import { Link } from "react-router-dom";
import { Alert, Space, Tag, Typography } from "antd";
import { useAuth } from "../../components/auth";
import ListPage, { type FilterSpec, type ListSpec } from "../../components/ListPage";
import { useI18n } from "../../locales";
import { JURISDICTIONS } from "../Library/lists";
import { FINDING_ROLES } from "../Systems/roles";

export interface FindingRow {
  id: string;
  project_id: string | null;
  unit: string;
  jurisdiction: string;
  area: string;
  description: string | null;
  recorded_on: string;
  rectify_by: string;
  status: string;
  step: string | null;
}

const AREAS = ["tendering", "quality", "progress", "funds", "estimate_control", "information_sharing", "crypto", "network_security"];
const STATUSES = ["open", "rectification_submitted", "resolved", "terminated"];
const LIVE = ["open", "rectification_submitted"];

export const FINDING_FILTERS: FilterSpec[] = [
  { name: "q", label: "findings.filter.q", kind: "text", maxLength: 100 },
  { name: "unit_name", label: "findings.filter.unit", kind: "text", maxLength: 120 },
  { name: "jurisdiction", label: "findings.filter.jurisdiction", kind: "select", options: JURISDICTIONS.map((j) => ({ value: j, label: `jurisdiction.${j}` })) },
  { name: "area", label: "findings.filter.area", kind: "select", options: AREAS.map((a) => ({ value: a, label: `findings.area.${a}` })) },
  { name: "status", label: "findings.filter.status", kind: "select", options: STATUSES.map((s) => ({ value: s, label: `findings.status.${s}` })) },
  { name: "year", label: "findings.filter.year", kind: "year" },
  { name: "overdue", label: "findings.filter.overdue", kind: "yesno" },
];

export const FINDING_SORTS: ListSpec<FindingRow>["sorts"] = {
  id: { sort: "id", order: "asc" },
  due: { sort: "rectify_by", order: "asc" },
  newest: { sort: "recorded_on", order: "desc" },
  unit: { sort: "unit", order: "asc" },
};

export default function Findings() {
  const { t, label } = useI18n();
  const { hasRole } = useAuth();
  if (!hasRole(...FINDING_ROLES)) return <Alert type="info" showIcon message={t("findings.not_for_role")} />;
  const today = new Date().toISOString().slice(0, 10);
  const spec: ListSpec<FindingRow> = {
    title: "findings",
    testId: "findings",
    endpoint: "/api/catalog/findings",
    fileName: "监督检查问题.xlsx",
    filters: FINDING_FILTERS,
    sorts: FINDING_SORTS,
    rowKey: "id",
    narrowColumns: ["description", "status"],
    totals: "findings.totals",
    columns: [
      {
        title: t("findings.col.description"),
        key: "description",
        render: (_, row) => (
          <Space direction="vertical" size={0}>
            <span data-testid="description">{row.description ?? t("findings.hidden")}</span>
            <Typography.Text type="secondary" style={{ fontSize: 12 }}>
              {row.unit} · {label(`findings.area.${row.area}`, row.area)}
            </Typography.Text>
          </Space>
        ),
      },
      {
        title: t("findings.col.project"),
        key: "project",
        render: (_, row) => (row.project_id ? <Link to={`/projects/${row.project_id}`}>{row.project_id}</Link> : "—"),
      },
      { title: t("findings.col.jurisdiction"), key: "jurisdiction", render: (_, row) => t(`jurisdiction.${row.jurisdiction}`) },
      { title: t("findings.col.recorded_on"), dataIndex: "recorded_on", key: "recorded_on" },
      { title: t("findings.col.rectify_by"), key: "rectify_by", render: (_, row) => <span data-testid="rectify_by">{row.rectify_by}</span> },
      {
        title: t("findings.col.status"),
        key: "status",
        render: (_, row) => (
          <Space size={4} wrap>
            <Tag data-testid="status">{label(`findings.status.${row.status}`, row.status)}</Tag>
            {LIVE.includes(row.status) && row.rectify_by < today && <Tag color="red">{t("common.overdue")}</Tag>}
          </Space>
        ),
      },
    ],
  };
  return <ListPage spec={spec} />;
}
