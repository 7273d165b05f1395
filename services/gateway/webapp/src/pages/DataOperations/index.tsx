// 数据运营任务: public data-operation tasks searched by part of their title, filtered by jurisdiction, status,
// year and whether they are overdue, sorted (due day, amount, dispatch day), exported.
import { Alert, Space, Tag, Typography } from "antd";
import { useAuth } from "../../components/auth";
import ListPage, { type FilterSpec, type ListSpec } from "../../components/ListPage";
import { useI18n } from "../../locales";
import { fenToWan } from "../../services/money";
import { JURISDICTIONS } from "../Library/lists";
import { DATA_OPERATION_ROLES } from "../Systems/roles";

export interface TaskRow {
  id: string;
  jurisdiction: string;
  year: number;
  operator_id: string;
  title: string;
  planned_amount_fen: number;
  due_on: string | null;
  status: string;
  progress_pct: number;
  dispatched_on: string;
}

const STATUSES = ["dispatched", "delivered", "accepted", "paid"];
const OPEN = ["dispatched", "delivered"];

export const TASK_FILTERS: FilterSpec[] = [
  { name: "q", label: "operations.filter.q", kind: "text", maxLength: 100 },
  { name: "jurisdiction", label: "operations.filter.jurisdiction", kind: "select", options: JURISDICTIONS.map((j) => ({ value: j, label: `jurisdiction.${j}` })) },
  { name: "status", label: "operations.filter.status", kind: "select", options: STATUSES.map((s) => ({ value: s, label: `operations.status.${s}` })) },
  { name: "year", label: "operations.filter.year", kind: "year" },
  { name: "overdue", label: "operations.filter.overdue", kind: "yesno" },
];

export const TASK_SORTS: ListSpec<TaskRow>["sorts"] = {
  id: { sort: "id", order: "asc" },
  due: { sort: "due_on", order: "asc" },
  amount_desc: { sort: "amount", order: "desc" },
  newest: { sort: "dispatched_on", order: "desc" },
};

export default function DataOperations() {
  const { t, label } = useI18n();
  const { hasRole } = useAuth();
  if (!hasRole(...DATA_OPERATION_ROLES)) return <Alert type="info" showIcon message={t("operations.not_for_role")} />;
  const today = new Date().toISOString().slice(0, 10);
  const spec: ListSpec<TaskRow> = {
    title: "operations",
    testId: "operations",
    endpoint: "/api/catalog/data-operations/tasks",
    fileName: "数据运营任务.xlsx",
    filters: TASK_FILTERS,
    sorts: TASK_SORTS,
    rowKey: "id",
    narrowColumns: ["title", "status"],
    totals: "operations.totals",
    columns: [
      {
        title: t("operations.col.title"),
        key: "title",
        render: (_, row) => (
          <Space direction="vertical" size={0}>
            <span data-testid="title">{row.title}</span>
            <Typography.Text type="secondary" style={{ fontSize: 12 }}>
              {row.id} · {row.operator_id}
            </Typography.Text>
          </Space>
        ),
      },
      { title: t("operations.col.jurisdiction"), key: "jurisdiction", render: (_, row) => t(`jurisdiction.${row.jurisdiction}`) },
      { title: t("operations.col.year"), dataIndex: "year", key: "year" },
      { title: t("operations.col.amount"), key: "amount", align: "right", render: (_, row) => <span data-testid="amount">{fenToWan(row.planned_amount_fen)}</span> },
      { title: t("operations.col.due_on"), key: "due_on", render: (_, row) => row.due_on ?? "—" },
      {
        title: t("operations.col.status"),
        key: "status",
        render: (_, row) => (
          <Space size={4} wrap>
            <Tag data-testid="status">{label(`operations.status.${row.status}`, row.status)}</Tag>
            {OPEN.includes(row.status) && row.due_on && row.due_on < today && <Tag color="red">{t("common.overdue")}</Tag>}
          </Space>
        ),
      },
    ],
  };
  return <ListPage spec={spec} />;
}
