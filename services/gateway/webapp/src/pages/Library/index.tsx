// 项目库: the read model's library across every stage (catalog's /portfolio/projects): search by part of the
// name, filters (jurisdiction, unit by part of its name, stage, year, amount range, overdue), sorting,
// server-side pages with totals over the whole query (drafts never listed), and 导出 Excel of the same query.
// The query lives in the address (?q=…&stage=…&page=…), so a shared link opens the same list. Hidden amounts
// (secret projects) show as such and never break a page.
import { useEffect, useMemo, useState } from "react";
import { Link, useSearchParams } from "react-router-dom";
import { Alert, Button, Card, Form, Grid, Input, InputNumber, Select, Space, Table, Tag, Typography } from "antd";
import { DownloadOutlined } from "@ant-design/icons";
import { useAuth, LIBRARY_ROLES } from "../../components/auth";
import { useI18n } from "../../locales";
import { api, ApiProblem, session } from "../../services/api";
import { fenToWan, wanToFen } from "../../services/money";
import { problemTitle } from "../../services/problem";
import type { Page, PortfolioProject } from "../../services/portfolio";
import { JURISDICTIONS, STAGES } from "./lists";

const FILTERS = ["q", "unit", "jurisdiction", "stage", "year", "amount_min", "amount_max", "overdue"] as const;
/** The sort choices the list offers, each the API's `sort` and `order`. */
const SORTS: Record<string, { sort: string; order: "asc" | "desc" }> = {
  created: { sort: "created", order: "desc" },
  amount_desc: { sort: "amount", order: "desc" },
  amount_asc: { sort: "amount", order: "asc" },
  due: { sort: "due", order: "asc" },
  title: { sort: "title", order: "asc" },
};
const PAGE_SIZE = 20;

interface Listed extends Page<PortfolioProject> {
  total: number;
  investment_fen: number;
}

interface FormValues {
  q?: string;
  unit?: string;
  jurisdiction?: string;
  stage?: string;
  year?: number;
  amount_min_wan?: number | string;
  amount_max_wan?: number | string;
  overdue?: string;
  sortBy?: string;
}

/** The API's query from the address: filters as given, amounts already in fen, the sort choice expanded. */
function queryOf(params: URLSearchParams, size: number) {
  const query: Record<string, string | number> = {};
  for (const key of FILTERS) {
    const value = params.get(key);
    if (value) query[key] = value;
  }
  const chosen = SORTS[params.get("sortBy") ?? "created"] ?? SORTS.created;
  const page = Math.max(1, Number(params.get("page")) || 1);
  return { ...query, sort: chosen.sort, order: chosen.order, limit: size, offset: (page - 1) * size, page };
}

export default function Library() {
  const { hasRole } = useAuth();
  const { t } = useI18n();
  const narrow = !Grid.useBreakpoint().md;
  const [params, setParams] = useSearchParams();
  // ?size= sets the page length (a shared link keeps it); 20 by default
  const size = Math.min(100, Math.max(1, Number(params.get("size")) || PAGE_SIZE));
  const query = useMemo(() => queryOf(params, size), [params, size]);
  const [listed, setListed] = useState<Listed | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [exporting, setExporting] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  const [form] = Form.useForm<FormValues>();

  useEffect(() => {
    let live = true;
    setListed(null);
    setError(null);
    const { page: _page, ...request } = query;
    api
      .get<Listed>("/api/catalog/portfolio/projects", request)
      .then((answer) => live && setListed(answer))
      .catch((e) => live && setError(e instanceof ApiProblem ? problemTitle(e.problem, t) : String(e)));
    return () => {
      live = false;
    };
  }, [query]); // eslint-disable-line react-hooks/exhaustive-deps

  useEffect(() => {
    const fenToField = (fen: string | null) => (fen ? fenToWan(Number(fen)).replace(/,/g, "") : undefined);
    form.setFieldsValue({
      q: params.get("q") ?? undefined,
      unit: params.get("unit") ?? undefined,
      jurisdiction: params.get("jurisdiction") ?? undefined,
      stage: params.get("stage") ?? undefined,
      year: params.get("year") ? Number(params.get("year")) : undefined,
      amount_min_wan: fenToField(params.get("amount_min")),
      amount_max_wan: fenToField(params.get("amount_max")),
      overdue: params.get("overdue") ?? undefined,
      sortBy: params.get("sortBy") ?? "created",
    });
  }, [params, form]);

  if (!hasRole(...LIBRARY_ROLES)) return <Alert type="info" showIcon message={t("library.not_for_role")} />;

  const page = query.page;
  const go = (changes: Record<string, string | undefined>) => {
    const next = new URLSearchParams(params);
    for (const [key, value] of Object.entries(changes)) {
      if (value === undefined || value === "") next.delete(key);
      else next.set(key, value);
    }
    setParams(next);
  };

  const search = (values: FormValues) => {
    let amountMin: number | undefined;
    let amountMax: number | undefined;
    try {
      amountMin = values.amount_min_wan === undefined || values.amount_min_wan === null || values.amount_min_wan === "" ? undefined : wanToFen(values.amount_min_wan);
      amountMax = values.amount_max_wan === undefined || values.amount_max_wan === null || values.amount_max_wan === "" ? undefined : wanToFen(values.amount_max_wan);
    } catch {
      setError(t("library.filter.amount_bad"));
      return;
    }
    if (amountMin !== undefined && amountMax !== undefined && amountMin > amountMax) {
      setError(t("library.filter.amount_order"));
      return;
    }
    go({
      q: values.q?.trim(),
      unit: values.unit?.trim(),
      jurisdiction: values.jurisdiction,
      stage: values.stage,
      year: values.year ? String(values.year) : undefined,
      amount_min: amountMin === undefined ? undefined : String(amountMin),
      amount_max: amountMax === undefined ? undefined : String(amountMax),
      overdue: values.overdue,
      sortBy: values.sortBy && values.sortBy !== "created" ? values.sortBy : undefined,
      page: undefined,
    });
  };

  const exportXlsx = async () => {
    setExporting(true);
    setNotice(null);
    try {
      const url = new URL("/api/catalog/portfolio/projects.xlsx", window.location.origin);
      const { page: _page, limit: _limit, offset: _offset, ...filters } = query;
      for (const [key, value] of Object.entries(filters)) url.searchParams.set(key, String(value));
      const response = await fetch(url, { headers: { authorization: `Bearer ${session.get()?.token ?? ""}` } });
      if (!response.ok) throw new Error(String(response.status));
      const total = Number(response.headers.get("x-total-count"));
      const cap = Number(response.headers.get("x-row-cap"));
      if (cap && total > cap) setNotice(t("library.export_cut", { cap }));
      const link = document.createElement("a");
      link.href = URL.createObjectURL(await response.blob());
      link.download = "项目库.xlsx";
      document.body.appendChild(link);
      link.click();
      link.remove();
    } catch {
      setNotice(t("library.export_failed"));
    } finally {
      setExporting(false);
    }
  };

  const rows = listed?.items ?? [];
  const total = listed?.total ?? null;
  const hasNext = total != null && page * size < total;
  const anySecret = rows.some((row) => row.secret && row.money?.total_investment_fen == null);

  return (
    <Space direction="vertical" size={16} style={{ width: "100%" }}>
      <Typography.Title level={3} style={{ margin: 0 }}>
        {t("library.title")}
      </Typography.Title>
      <Card size="small">
        <Form form={form} layout={narrow ? "vertical" : "inline"} onFinish={search} data-testid="library-filters" style={{ rowGap: 8 }}>
          <Form.Item name="q" label={t("library.filter.q")}>
            <Input allowClear maxLength={100} />
          </Form.Item>
          <Form.Item name="unit" label={t("library.filter.unit")}>
            <Input allowClear maxLength={120} />
          </Form.Item>
          <Form.Item name="jurisdiction" label={t("library.filter.jurisdiction")}>
            <Select allowClear showSearch optionFilterProp="label" style={{ minWidth: 120 }} options={JURISDICTIONS.map((j) => ({ value: j, label: t(`jurisdiction.${j}`) }))} />
          </Form.Item>
          <Form.Item name="stage" label={t("library.filter.stage")}>
            <Select allowClear showSearch optionFilterProp="label" style={{ minWidth: 140 }} options={STAGES.map((s) => ({ value: s, label: t(`portfolio.stage.${s}`) }))} />
          </Form.Item>
          <Form.Item name="year" label={t("library.filter.year")}>
            <InputNumber min={1990} max={2100} precision={0} />
          </Form.Item>
          <Form.Item name="amount_min_wan" label={t("library.filter.amount_min")}>
            <InputNumber min={0} max={1e9} stringMode style={{ width: 130 }} />
          </Form.Item>
          <Form.Item name="amount_max_wan" label={t("library.filter.amount_max")}>
            <InputNumber min={0} max={1e9} stringMode style={{ width: 130 }} />
          </Form.Item>
          <Form.Item name="overdue" label={t("library.filter.overdue")}>
            <Select
              allowClear
              style={{ minWidth: 110 }}
              options={[
                { value: "true", label: t("library.filter.overdue_yes") },
                { value: "false", label: t("library.filter.overdue_no") },
              ]}
            />
          </Form.Item>
          <Form.Item name="sortBy" label={t("library.sort")}>
            <Select showSearch optionFilterProp="label" style={{ minWidth: 150 }} options={Object.keys(SORTS).map((key) => ({ value: key, label: t(`library.sort.${key}`) }))} />
          </Form.Item>
          <Space wrap>
            <Button type="primary" htmlType="submit">
              {t("common.search")}
            </Button>
            <Button
              onClick={() => {
                form.resetFields();
                setParams(params.get("size") ? { size: params.get("size") as string } : {});
              }}
            >
              {t("common.reset")}
            </Button>
            <Button icon={<DownloadOutlined />} onClick={exportXlsx} loading={exporting} data-testid="library-export">
              {exporting ? t("library.exporting") : t("library.export")}
            </Button>
          </Space>
        </Form>
      </Card>
      {error && <Alert type="error" showIcon message={error} />}
      {notice && <Alert type="warning" showIcon message={notice} closable onClose={() => setNotice(null)} />}
      <Card size="small">
        <Typography.Paragraph data-testid="library-totals" style={{ marginBottom: 12 }}>
          {listed
            ? t("library.totals", { n: listed.total, amount: fenToWan(listed.investment_fen) }) + (anySecret ? t("library.totals_hidden") : "")
            : "\u00a0"}
        </Typography.Paragraph>
        <Table<PortfolioProject>
          data-testid="library-table"
          rowKey="project_id"
          size="middle"
          loading={listed === null && !error}
          dataSource={rows}
          onRow={(row) => ({ "data-id": row.project_id }) as React.HTMLAttributes<HTMLElement>}
          pagination={false}
          scroll={narrow ? undefined : { x: "max-content" }}
          columns={[
            {
              title: t("library.col.title"),
              key: "title",
              render: (_, row) => (
                <Space direction="vertical" size={0}>
                  <Link to={`/projects/${row.project_id}`} data-testid="title">
                    {row.title ?? t("common.hidden_title")}
                  </Link>
                  <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                    {row.project_id}
                    {narrow ? ` · ${row.unit}` : ""}
                  </Typography.Text>
                </Space>
              ),
            },
            ...(narrow
              ? []
              : [
                  { title: t("library.col.unit"), dataIndex: "unit", key: "unit" },
                  { title: t("library.col.jurisdiction"), key: "jurisdiction", render: (_: unknown, row: PortfolioProject) => t(`jurisdiction.${row.jurisdiction}`) },
                  { title: t("library.col.year"), dataIndex: "plan_year", key: "year" },
                  { title: t("library.col.due"), key: "due", render: (_: unknown, row: PortfolioProject) => <span data-testid="due">{row.next_due_on ?? "—"}</span> },
                ]),
            {
              title: t("library.col.amount"),
              key: "amount",
              align: "right",
              render: (_, row) => <span data-testid="amount">{fenToWan(row.money?.total_investment_fen, t("common.hidden_amount"))}</span>,
            },
            {
              title: t("library.col.status"),
              key: "status",
              render: (_, row) => (
                <Space size={4} wrap>
                  <Tag data-testid="status">{t(`portfolio.stage.${row.stage}`)}</Tag>
                  {row.overdue && <Tag color="red">{t("common.overdue")}</Tag>}
                </Space>
              ),
            },
          ]}
        />
        <Space style={{ marginTop: 12, justifyContent: "space-between", width: "100%" }} wrap>
          <Typography.Text type="secondary">{total != null ? t("common.total", { n: total }) : ""}</Typography.Text>
          <Space>
            <Button disabled={page <= 1} onClick={() => go({ page: page - 1 > 1 ? String(page - 1) : undefined })} aria-label={t("common.prev_page")} data-testid="prev-page">
              ‹
            </Button>
            <Typography.Text data-testid="page-number">{page}</Typography.Text>
            <Button disabled={!hasNext} onClick={() => go({ page: String(page + 1) })} aria-label={t("common.next_page")} data-testid="next-page">
              ›
            </Button>
          </Space>
        </Space>
      </Card>
    </Space>
  );
}
