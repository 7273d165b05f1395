// 驾驶舱 for the bureau director and leaders: the portfolio by stage, unit, jurisdiction and year, the money
// from approval to payment, deadlines red/amber/green, systems, evaluations and sanctions, and each project's
// cost and schedule variance with its risk rating. Every number comes from one call to the cockpit API
// (GET /api/catalog/portfolio/cockpit), the same answer an integrator reads; nothing is computed here.
import { useEffect, useMemo, useRef, useState } from "react";
import { Link } from "react-router-dom";
import { Alert, Card, Col, Grid, InputNumber, Row, Select, Space, Spin, Statistic, Table, Tag, Typography } from "antd";
import { PieChart } from "echarts/charts";
import { LegendComponent } from "echarts/components";
import type { EChartsOption } from "echarts";
import echarts from "../../charts/echarts";
import { useAuth } from "../../components/auth";
import { useI18n } from "../../locales";
import { api, ApiProblem } from "../../services/api";
import { fenToWan } from "../../services/money";
import { problemTitle } from "../../services/problem";
import { JURISDICTIONS } from "../Library/lists";
import { chinaTimeOf } from "./asOf";
import { COCKPIT_ROLES } from "./roles";
import { cockpitOptions, type Cockpit as CockpitData, type RiskRow } from "./options";

echarts.use([PieChart, LegendComponent]);


type ChartInstance = ReturnType<typeof echarts.init>;

declare global {
  interface Window {
    /** The cockpit's chart instances by name, so a browser test can read each drawn option back. */
    __cockpitCharts?: Record<string, ChartInstance>;
  }
}

/** One ECharts instance on a div (echarts/core directly: only the parts registered in charts/echarts.ts and
 * above), redrawn when its option changes and resized with the window. */
function Chart({ name, option, height }: { name: string; option: EChartsOption; height: number }) {
  const element = useRef<HTMLDivElement>(null);
  const chart = useRef<ChartInstance | null>(null);
  useEffect(() => {
    if (!element.current) return undefined;
    const instance = echarts.init(element.current);
    chart.current = instance;
    window.__cockpitCharts = { ...(window.__cockpitCharts ?? {}), [name]: instance };
    const resize = () => instance.resize();
    window.addEventListener("resize", resize);
    return () => {
      window.removeEventListener("resize", resize);
      if (window.__cockpitCharts?.[name] === instance) delete window.__cockpitCharts[name];
      instance.dispose();
      chart.current = null;
    };
  }, [name]);
  useEffect(() => {
    chart.current?.setOption(option, { notMerge: true });
  }, [option]);
  return <div ref={element} style={{ height, width: "100%" }} />;
}

const RISK_COLOUR: Record<string, string> = { high: "red", medium: "gold", low: "green" };
const pct = (value: number | null) => (value == null ? "—" : `${value > 0 ? "+" : ""}${value.toFixed(1)}%`);

export default function Cockpit() {
  const { hasRole } = useAuth();
  const { t, label } = useI18n();
  const narrow = !Grid.useBreakpoint().md;
  const [jurisdiction, setJurisdiction] = useState<string | undefined>();
  const [year, setYear] = useState<number | undefined>();
  // the year typed applies on Enter or on leaving the field, not at each keystroke (2, 20, 202 …)
  const [yearInput, setYearInput] = useState<number | null>(null);
  const [data, setData] = useState<CockpitData | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let live = true;
    setError(null);
    api
      .get<CockpitData>("/api/catalog/portfolio/cockpit", { jurisdiction, year, risk_limit: 50 })
      .then((answer) => live && setData(answer))
      .catch((e) => live && setError(e instanceof ApiProblem ? problemTitle(e.problem, t) : String(e)));
    return () => {
      live = false;
    };
  }, [jurisdiction, year]); // eslint-disable-line react-hooks/exhaustive-deps

  const options = useMemo(() => (data ? cockpitOptions(data, label, narrow) : null), [data, label, narrow]);
  const asOf = data ? chinaTimeOf(data.generated_at) : null;

  if (!hasRole(...COCKPIT_ROLES)) return <Alert type="info" showIcon message={t("cockpit.not_for_role")} />;

  const chart = (name: string, title: string, height = 300) => (
    <Col xs={24} lg={12} key={name}>
      <Card size="small" title={title} styles={{ body: { padding: narrow ? 4 : 12 } }}>
        <div data-testid={`chart-${name}`}>
          {options && <Chart name={name} option={options[name]} height={height} />}
        </div>
      </Card>
    </Col>
  );

  return (
    <Space direction="vertical" size={16} style={{ width: "100%" }}>
      <Space wrap style={{ justifyContent: "space-between", width: "100%" }}>
        <Space align="baseline" wrap>
          <Typography.Title level={3} style={{ margin: 0 }}>
            {t("cockpit.title")}
          </Typography.Title>
          {asOf && (
            <Typography.Text type="secondary" data-testid="cockpit-as-of">
              {t("cockpit.as_of", { time: asOf })}
            </Typography.Text>
          )}
        </Space>
        <Space wrap>
          <Select
            allowClear
            aria-label={t("cockpit.filter.jurisdiction")}
            placeholder={t("cockpit.filter.jurisdiction")}
            style={{ minWidth: 120 }}
            value={jurisdiction}
            onChange={setJurisdiction}
            options={JURISDICTIONS.map((j) => ({ value: j, label: t(`jurisdiction.${j}`) }))}
          />
          <InputNumber
            aria-label={t("cockpit.filter.year")}
            placeholder={t("cockpit.filter.year")}
            min={1990}
            max={2100}
            precision={0}
            value={yearInput}
            onChange={(value) => setYearInput(value)}
            onPressEnter={() => setYear(yearInput ?? undefined)}
            onBlur={() => setYear(yearInput ?? undefined)}
          />
        </Space>
      </Space>
      {error && <Alert type="error" showIcon message={error} />}
      {!data && !error && <Spin />}
      {data && (
        <>
          <Row gutter={[12, 12]} data-testid="cockpit-figures">
            {[
              ["projects", t("cockpit.projects"), data.projects],
              ["investment", t("cockpit.investment"), fenToWan(data.investment_fen)],
              ["overdue", t("cockpit.overdue"), data.deadlines.red ?? 0],
              ["high_risk", t("cockpit.high_risk"), data.risk.high ?? 0],
            ].map(([key, title, value]) => (
              <Col xs={12} md={6} key={key as string}>
                <Card size="small">
                  <Statistic title={title} value={value as string | number} valueStyle={key === "overdue" || key === "high_risk" ? { color: "#cf1322" } : undefined} data-testid={`figure-${key}`} />
                </Card>
              </Col>
            ))}
          </Row>
          <Row gutter={[12, 12]}>
            {chart("by_stage", t("cockpit.by_stage"))}
            {chart("funnel", t("cockpit.funnel"))}
            {chart("by_unit", t("cockpit.by_unit"), 320)}
            {chart("by_jurisdiction", t("cockpit.by_jurisdiction"))}
            {chart("by_year", t("cockpit.by_year"))}
            {chart("deadlines", t("cockpit.deadlines", { days: data.settings.deadline_amber_days ?? 14 }))}
            {chart("risk", t("cockpit.risk"))}
            {chart("systems", t("cockpit.systems"), 260)}
            {chart("evaluations", t("cockpit.evaluations"), 260)}
          </Row>
          <Card size="small" title={t("cockpit.risk_projects")}>
            <Typography.Paragraph type="secondary" style={{ fontSize: 12 }}>
              {t("cockpit.settings", { amber: data.settings.variance_amber_pct ?? 10, red: data.settings.variance_red_pct ?? 30 })}
            </Typography.Paragraph>
            <Table<RiskRow>
              data-testid="risk-table"
              rowKey="project_id"
              size="small"
              pagination={{ pageSize: 10, hideOnSinglePage: true }}
              dataSource={data.risk_projects}
              locale={{ emptyText: t("cockpit.empty") }}
              onRow={(row) => ({ "data-id": row.project_id }) as React.HTMLAttributes<HTMLElement>}
              columns={[
                {
                  title: t("library.col.title"),
                  key: "title",
                  render: (_, row) => (
                    <Space direction="vertical" size={0}>
                      <Link to={`/projects/${row.project_id}`}>{row.title ?? t("common.hidden_title")}</Link>
                      <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                        {row.unit}
                      </Typography.Text>
                    </Space>
                  ),
                },
                ...(narrow
                  ? []
                  : [
                      { title: t("library.col.amount"), key: "amount", align: "right" as const, render: (_: unknown, row: RiskRow) => fenToWan(row.approved_investment_fen, t("common.hidden_amount")) },
                      { title: t("cockpit.col.schedule"), key: "schedule", align: "right" as const, render: (_: unknown, row: RiskRow) => pct(row.schedule_variance_pct) },
                      { title: t("cockpit.col.slip"), key: "slip", align: "right" as const, render: (_: unknown, row: RiskRow) => row.schedule_slip_days ?? "—" },
                      { title: t("cockpit.col.overdue"), dataIndex: "overdue_deadlines", key: "overdue", align: "right" as const },
                    ]),
                { title: t("cockpit.col.cost"), key: "cost", align: "right", render: (_, row) => pct(row.cost_variance_pct) },
                {
                  title: t("cockpit.col.risk"),
                  key: "risk",
                  render: (_, row) => (
                    <Tag color={RISK_COLOUR[row.risk]} data-testid="risk">
                      {t(`cockpit.risk.${row.risk}`)}
                    </Tag>
                  ),
                },
              ]}
            />
          </Card>
          <Typography.Text type="secondary" style={{ fontSize: 12 }}>
            {t("cockpit.api_note")}
          </Typography.Text>
        </>
      )}
    </Space>
  );
}
