// One list screen for the catalog's lists (系统目录, 监督检查问题, 数据运营): search and filters in a form, a sort
// choice, server-side pages by offset with the total over the whole query, and 导出 Excel of the same query
// (the server writes the file). The query lives in the address, so a shared link opens the same list.
import { useEffect, useMemo, useState, type ReactNode } from "react";
import { useSearchParams } from "react-router-dom";
import { Alert, Button, Card, Form, Grid, Input, InputNumber, Select, Space, Table, Typography } from "antd";
import type { ColumnsType } from "antd/es/table";
import { DownloadOutlined } from "@ant-design/icons";
import { useI18n } from "../locales";
import { api, ApiProblem } from "../services/api";
import { downloadXlsx } from "../services/download";
import { problemTitle } from "../services/problem";
import { queryOf } from "./listQuery";

export interface FilterSpec {
  /** the API's query parameter */
  name: string;
  /** message key of the label */
  label: string;
  kind: "text" | "select" | "year" | "yesno";
  /** for a select: the values and their message keys */
  options?: { value: string; label: string }[];
  /** longest text accepted (the API's max_length) */
  maxLength?: number;
}

export interface ListSpec<T> {
  /** message key of the page title */
  title: string;
  /** data-testid prefix of the page's parts */
  testId: string;
  /** the JSON list (answers items, total, offset); the spreadsheet is the same path + .xlsx */
  endpoint: string;
  /** the downloaded file's name */
  fileName: string;
  filters: FilterSpec[];
  /** sort choices: key → the API's sort and order; the first is the default; labels are `${title}.sort.${key}` */
  sorts: Record<string, { sort: string; order: "asc" | "desc" }>;
  columns: ColumnsType<T>;
  /** the keys of the columns kept on a phone-sized screen (all of them when absent) */
  narrowColumns?: string[];
  rowKey: keyof T & string;
  /** message key of the totals line ({n}) */
  totals: string;
}

interface Listed<T> {
  items: T[];
  total: number;
  offset: number;
}

const PAGE_SIZE = 20;

export default function ListPage<T extends object>({ spec, extra }: { spec: ListSpec<T>; extra?: ReactNode }) {
  const { t } = useI18n();
  const narrow = !Grid.useBreakpoint().md;
  const [params, setParams] = useSearchParams();
  const size = Math.min(100, Math.max(1, Number(params.get("size")) || PAGE_SIZE));
  // filters and sorts are module constants of each page (columns may be rebuilt on every render)
  const { filters, sorts } = spec;
  const query = useMemo(() => queryOf({ filters, sorts }, params, size), [filters, sorts, params, size]);
  const [listed, setListed] = useState<Listed<T> | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [exporting, setExporting] = useState(false);
  const [form] = Form.useForm<Record<string, string | number | undefined>>();
  const sortKeys = Object.keys(spec.sorts);

  useEffect(() => {
    let live = true;
    setListed(null);
    setError(null);
    api
      .get<Listed<T>>(spec.endpoint, { ...query.filters, limit: query.limit, offset: query.offset })
      .then((answer) => live && setListed(answer))
      .catch((e) => live && setError(e instanceof ApiProblem ? problemTitle(e.problem, t) : String(e)));
    return () => {
      live = false;
    };
  }, [query, spec.endpoint]); // eslint-disable-line react-hooks/exhaustive-deps

  useEffect(() => {
    const values: Record<string, string | number | undefined> = { sortBy: params.get("sortBy") ?? sortKeys[0] };
    for (const filter of spec.filters) {
      const value = params.get(filter.name) ?? undefined;
      values[filter.name] = filter.kind === "year" && value ? Number(value) : value;
    }
    form.setFieldsValue(values);
  }, [params, form, spec.filters]); // eslint-disable-line react-hooks/exhaustive-deps

  const go = (changes: Record<string, string | undefined>) => {
    const next = new URLSearchParams(params);
    for (const [key, value] of Object.entries(changes)) {
      if (value === undefined || value === "") next.delete(key);
      else next.set(key, value);
    }
    setParams(next);
  };

  const search = (values: Record<string, string | number | undefined>) => {
    const changes: Record<string, string | undefined> = { page: undefined };
    for (const filter of spec.filters) {
      const value = values[filter.name];
      changes[filter.name] = value === undefined || value === null ? undefined : String(value).trim();
    }
    changes.sortBy = values.sortBy && values.sortBy !== sortKeys[0] ? String(values.sortBy) : undefined;
    go(changes);
  };

  const exportXlsx = async () => {
    setExporting(true);
    setNotice(null);
    try {
      const { total, cap } = await downloadXlsx(`${spec.endpoint}.xlsx`, query.filters, spec.fileName);
      if (cap && total > cap) setNotice(t("lists.export_cut", { cap }));
    } catch {
      setNotice(t("lists.export_failed"));
    } finally {
      setExporting(false);
    }
  };

  const page = query.page;
  const total = listed?.total ?? null;
  const hasNext = total != null && page * size < total;

  const field = (filter: FilterSpec) => {
    switch (filter.kind) {
      case "text":
        return <Input allowClear maxLength={filter.maxLength ?? 100} />;
      case "year":
        return <InputNumber min={1990} max={2100} precision={0} />;
      case "yesno":
        return (
          <Select
            allowClear
            style={{ minWidth: 100 }}
            options={[
              { value: "true", label: t("lists.yes") },
              { value: "false", label: t("lists.no") },
            ]}
          />
        );
      default:
        return (
          <Select
            allowClear
            showSearch
            optionFilterProp="label"
            style={{ minWidth: 130 }}
            options={(filter.options ?? []).map((option) => ({ value: option.value, label: t(option.label) }))}
          />
        );
    }
  };

  return (
    <Space direction="vertical" size={16} style={{ width: "100%" }}>
      <Typography.Title level={3} style={{ margin: 0 }}>
        {t(spec.title)}
      </Typography.Title>
      {extra}
      <Card size="small">
        <Form form={form} layout={narrow ? "vertical" : "inline"} onFinish={search} data-testid={`${spec.testId}-filters`} style={{ rowGap: 8 }}>
          {spec.filters.map((filter) => (
            <Form.Item key={filter.name} name={filter.name} label={t(filter.label)}>
              {field(filter)}
            </Form.Item>
          ))}
          <Form.Item name="sortBy" label={t("lists.sort")}>
            <Select showSearch optionFilterProp="label" style={{ minWidth: 150 }} options={sortKeys.map((key) => ({ value: key, label: t(`${spec.title}.sort.${key}`) }))} />
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
            <Button icon={<DownloadOutlined />} onClick={exportXlsx} loading={exporting} data-testid={`${spec.testId}-export`}>
              {exporting ? t("lists.exporting") : t("lists.export")}
            </Button>
          </Space>
        </Form>
      </Card>
      {error && <Alert type="error" showIcon message={error} />}
      {notice && <Alert type="warning" showIcon message={notice} closable onClose={() => setNotice(null)} />}
      <Card size="small">
        <Typography.Paragraph data-testid={`${spec.testId}-totals`} style={{ marginBottom: 12 }}>
          {listed ? t(spec.totals, { n: listed.total }) : "\u00a0"}
        </Typography.Paragraph>
        <Table<T>
          data-testid={`${spec.testId}-table`}
          rowKey={spec.rowKey}
          size="middle"
          loading={listed === null && !error}
          dataSource={listed?.items ?? []}
          onRow={(row) => ({ "data-id": String(row[spec.rowKey]) }) as React.HTMLAttributes<HTMLElement>}
          pagination={false}
          locale={{ emptyText: t("lists.empty") }}
          scroll={narrow ? undefined : { x: "max-content" }}
          columns={narrow && spec.narrowColumns ? spec.columns.filter((c) => spec.narrowColumns?.includes(String(c.key))) : spec.columns}
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
