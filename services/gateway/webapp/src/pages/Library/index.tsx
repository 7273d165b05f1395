// 项目库: the read model's library across every stage when it is served (search, filters, totals over the
// whole query, export), else intake's application list page by page. Hidden amounts (secret projects) show
// as such and never break a page.
import { useEffect, useState } from "react";
import { Link } from "react-router-dom";
import { Alert, Button, Card, Form, Grid, Input, InputNumber, Select, Space, Table, Tag, Typography } from "antd";
import { DownloadOutlined } from "@ant-design/icons";
import { useAuth, LIBRARY_ROLES } from "../../components/auth";
import { useI18n } from "../../locales";
import { api, ApiProblem, optional, session } from "../../services/api";
import { fenToWan } from "../../services/money";
import { problemTitle } from "../../services/problem";
import type { Application, Page, PortfolioProject } from "../../services/portfolio";

interface Row {
  id: string;
  title: string | null;
  unit: string;
  jurisdiction: string;
  plan_year: number | null;
  amount_fen: number | null | undefined;
  status: string;
  status_service: string;
  status_zh?: string;
  overdue?: boolean;
}

interface Filters {
  q?: string;
  unit?: string;
  jurisdiction?: string;
  status?: string;
  year?: number;
}

const PAGE_SIZE = 20;
const pageSizeOf = (search: string) => Math.min(100, Math.max(1, Number(new URLSearchParams(search).get("size")) || PAGE_SIZE));

export default function Library() {
  // ?size= sets the page length (a shared link keeps it); 20 by default
  const PAGE = pageSizeOf(window.location.search);
  const { hasRole } = useAuth();
  const { t, label } = useI18n();
  const narrow = !Grid.useBreakpoint().md;
  const [filters, setFilters] = useState<Filters>({});
  const [rows, setRows] = useState<Row[] | null>(null);
  const [total, setTotal] = useState<number | null>(null);
  const [source, setSource] = useState<"portfolio" | "intake" | null>(null);
  const [page, setPage] = useState(1);
  // intake pages by cursor: cursors[n] opens page n+1
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let live = true;
    setRows(null);
    setError(null);
    const run = async () => {
      const portfolio = await optional(
        api.get<Page<PortfolioProject> & { total: number }>("/api/catalog/portfolio/projects", {
          q: filters.q,
          unit: filters.unit,
          jurisdiction: filters.jurisdiction,
          year: filters.year,
          limit: PAGE,
          offset: (page - 1) * PAGE,
        }),
      ).catch(() => null);
      if (portfolio) {
        if (!live) return;
        setSource("portfolio");
        setTotal(portfolio.total ?? null);
        setRows(
          portfolio.items.map((p) => ({
            id: p.project_id,
            title: p.title,
            unit: p.unit,
            jurisdiction: p.jurisdiction,
            plan_year: p.plan_year,
            amount_fen: p.money?.total_investment_fen ?? p.money?.approved_investment_fen,
            status: p.stage,
            status_service: "",
            status_zh: p.stage_label_zh,
            overdue: p.overdue,
          })),
        );
        return;
      }
      const answer = await api.get<Page<Application>>("/api/intake/applications", {
        q: filters.q,
        unit: filters.unit,
        jurisdiction: filters.jurisdiction,
        plan_year: filters.year,
        status: filters.status,
        limit: PAGE,
        cursor: cursors[page - 1] ?? undefined,
      });
      if (!live) return;
      setSource("intake");
      setCursors((known) => {
        const next = [...known];
        next[page] = answer.next_cursor ?? null;
        return next;
      });
      setTotal(null);
      setRows(
        answer.items.map((app) => ({
          id: app.id,
          title: app.title,
          unit: app.unit,
          jurisdiction: app.jurisdiction,
          plan_year: app.plan_year,
          amount_fen: app.total_investment_fen,
          status: app.status,
          status_service: "intake",
        })),
      );
    };
    run().catch((e) => live && setError(e instanceof ApiProblem ? problemTitle(e.problem, t) : String(e)));
    return () => {
      live = false;
    };
  }, [filters, page]); // eslint-disable-line react-hooks/exhaustive-deps

  if (!hasRole(...LIBRARY_ROLES)) return <Alert type="info" showIcon message={t("library.not_for_role")} />;

  const hasNext = source === "intake" ? Boolean(cursors[page]) : total != null && page * PAGE < total;
  const exportXlsx = async () => {
    const url = new URL("/api/catalog/portfolio/projects.xlsx", window.location.origin);
    for (const [key, value] of Object.entries(filters)) if (value !== undefined && value !== "") url.searchParams.set(key, String(value));
    const response = await fetch(url, { headers: { authorization: `Bearer ${session.get()?.token ?? ""}` } });
    if (!response.ok) return;
    const link = document.createElement("a");
    link.href = URL.createObjectURL(await response.blob());
    link.download = "项目库.xlsx";
    link.click();
  };

  return (
    <Space direction="vertical" size={16} style={{ width: "100%" }}>
      <Typography.Title level={3} style={{ margin: 0 }}>
        {t("library.title")}
      </Typography.Title>
      <Card size="small">
        <Form
          layout={narrow ? "vertical" : "inline"}
          onFinish={(values: Filters) => {
            setPage(1);
            setCursors([null]);
            setFilters(Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined && v !== "")) as Filters);
          }}
          data-testid="library-filters"
          style={{ rowGap: 8 }}
        >
          <Form.Item name="q" label={t("library.filter.q")}>
            <Input allowClear />
          </Form.Item>
          <Form.Item name="unit" label={t("library.filter.unit")}>
            <Input allowClear />
          </Form.Item>
          <Form.Item name="jurisdiction" label={t("library.filter.jurisdiction")}>
            <Select allowClear style={{ minWidth: 120 }} options={["dazhou", "quzhou", "jiyuan", "fengxian", "suqian"].map((j) => ({ value: j, label: t(`jurisdiction.${j}`) }))} />
          </Form.Item>
          <Form.Item name="status" label={t("library.filter.status")}>
            <Select allowClear style={{ minWidth: 120 }} options={["draft", "submitted", "admitted", "refused"].map((s) => ({ value: s, label: t(`stage.intake.${s}`) }))} />
          </Form.Item>
          <Form.Item name="year" label={t("library.filter.year")}>
            <InputNumber min={2000} max={2100} />
          </Form.Item>
          <Space>
            <Button type="primary" htmlType="submit">
              {t("common.search")}
            </Button>
            {source === "portfolio" && (
              <Button icon={<DownloadOutlined />} onClick={exportXlsx}>
                {t("library.export")}
              </Button>
            )}
          </Space>
        </Form>
      </Card>
      {error && <Alert type="error" showIcon message={error} />}
      <Card size="small">
        <Table<Row>
          data-testid="library-table"
          rowKey="id"
          size="middle"
          loading={rows === null && !error}
          dataSource={rows ?? []}
          onRow={(row) => ({ "data-id": row.id }) as React.HTMLAttributes<HTMLElement>}
          pagination={false}
          columns={[
            {
              title: t("library.col.title"),
              key: "title",
              render: (_, row) => (
                <Space direction="vertical" size={0}>
                  <Link to={row.status === "draft" ? `/apply/${row.id}` : `/projects/${row.id}`}>{row.title ?? t("common.hidden_title")}</Link>
                  <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                    {row.id}
                  </Typography.Text>
                </Space>
              ),
            },
            ...(narrow
              ? []
              : [
                  { title: t("library.col.unit"), dataIndex: "unit", key: "unit" },
                  { title: t("library.col.jurisdiction"), key: "jurisdiction", render: (_: unknown, row: Row) => label(`jurisdiction.${row.jurisdiction}`, row.jurisdiction) },
                  { title: t("library.col.year"), dataIndex: "plan_year", key: "year" },
                ]),
            { title: t("library.col.amount"), key: "amount", align: "right", render: (_, row) => <span data-testid="amount">{fenToWan(row.amount_fen, t("common.hidden_amount"))}</span> },
            {
              title: t("library.col.status"),
              key: "status",
              render: (_, row) => (
                <Space size={4} wrap>
                  <Tag data-testid="status">{row.status_service ? label(`stage.${row.status_service}.${row.status}`, row.status) : row.status_zh ?? row.status}</Tag>
                  {row.overdue && <Tag color="red">{t("common.overdue")}</Tag>}
                </Space>
              ),
            },
          ]}
        />
        <Space style={{ marginTop: 12, justifyContent: "space-between", width: "100%" }} wrap>
          <Typography.Text type="secondary">{total != null ? t("common.total", { n: total }) : ""}</Typography.Text>
          <Space>
            <Button disabled={page <= 1} onClick={() => setPage(page - 1)} aria-label={t("common.prev_page")}>
              ‹
            </Button>
            <Typography.Text data-testid="page-number">{page}</Typography.Text>
            <Button disabled={!hasNext} onClick={() => setPage(page + 1)} aria-label={t("common.next_page")} data-testid="next-page">
              ›
            </Button>
          </Space>
        </Space>
      </Card>
    </Space>
  );
}
