// The cockpit's ECharts options, each built only from the cockpit API's answer
// (GET /api/catalog/portfolio/cockpit) so every number drawn is a number an integrator reads too.
import type { EChartsOption } from "echarts";

export interface Bucket {
  key: string;
  label_zh: string | null;
  count: number;
  investment_fen: number;
}

export interface RiskRow {
  project_id: string;
  title: string | null;
  unit: string;
  jurisdiction: string;
  stage: string;
  approved_investment_fen: number | null;
  cost_variance_pct: number | null;
  schedule_variance_pct: number | null;
  schedule_slip_days: number | null;
  overdue_deadlines: number;
  risk: "low" | "medium" | "high";
  risk_label_zh: string;
}

export interface Cockpit {
  jurisdiction: string | null;
  year: number | null;
  generated_at: string;
  projects: number;
  investment_fen: number;
  by_stage: Bucket[];
  by_unit: Bucket[];
  by_jurisdiction: Bucket[];
  by_year: Bucket[];
  funnel: { step: string; label_zh: string; amount_fen: number }[];
  deadlines: Record<"red" | "amber" | "green", number>;
  risk: Record<"low" | "medium" | "high", number>;
  risk_projects: RiskRow[];
  systems: Record<string, number>;
  evaluations: Record<"passed" | "failed", number>;
  sanctions_active: number;
  settings: Record<string, number>;
}

/** The catalogue's label of a key, or the fallback when it has none (useI18n().label). */
export type Label = (key: string, fallback?: string) => string;

/** Integer fen → 万元 as a chart number (two decimals; exact enough to draw, the API keeps the fen). */
export function wan(fen: number): number {
  return Math.round(fen / 10_000) / 100;
}

const RED = "#cf1322";
const AMBER = "#faad14";
const GREEN = "#389e0d";
const BRAND = "#b4232c";
const BLUE = "#1677ff";

const base = (narrow: boolean): EChartsOption => ({
  aria: { enabled: true },
  tooltip: { trigger: "axis", confine: true },
  grid: { left: 8, right: narrow ? 8 : 24, top: 36, bottom: 8, containLabel: true },
});

/** Projects (count) and investment (万元) per bucket: two bars on two axes. */
export function bucketsOption(buckets: Bucket[], name: (b: Bucket) => string, t: Label, narrow = false): EChartsOption {
  return {
    ...base(narrow),
    legend: { top: 0, data: [t("cockpit.series.count"), t("cockpit.series.investment")] },
    xAxis: { type: "category", data: buckets.map(name), axisLabel: { interval: 0, rotate: narrow || buckets.length > 5 ? 35 : 0, width: 90, overflow: "truncate" } },
    yAxis: [
      { type: "value", name: t("cockpit.series.count"), minInterval: 1, nameTextStyle: { align: "left" } },
      { type: "value", name: t("cockpit.series.investment"), nameTextStyle: { align: "right" } },
    ],
    series: [
      { name: t("cockpit.series.count"), type: "bar", data: buckets.map((b) => b.count), itemStyle: { color: BLUE } },
      { name: t("cockpit.series.investment"), type: "bar", yAxisIndex: 1, data: buckets.map((b) => wan(b.investment_fen)), itemStyle: { color: BRAND } },
    ],
  };
}

/** The ten units with the most investment, largest on top. */
export function unitsOption(buckets: Bucket[], t: Label, narrow = false): EChartsOption {
  const top = buckets.slice(0, 10).reverse();
  return {
    ...base(narrow),
    grid: { left: 8, right: 48, top: 8, bottom: 8, containLabel: true },
    xAxis: { type: "value", name: t("cockpit.series.investment") },
    yAxis: { type: "category", data: top.map((b) => b.label_zh ?? b.key), axisLabel: { width: narrow ? 90 : 150, overflow: "truncate" } },
    series: [{ name: t("cockpit.series.investment"), type: "bar", data: top.map((b) => wan(b.investment_fen)), itemStyle: { color: BRAND }, label: { show: true, position: "right" } }],
  };
}

/** Money along the way: approved → estimated → contracted → released → paid (万元). */
export function funnelOption(cockpit: Cockpit, t: Label, narrow = false): EChartsOption {
  return {
    ...base(narrow),
    grid: { left: 8, right: 48, top: 8, bottom: 8, containLabel: true },
    xAxis: { type: "category", data: cockpit.funnel.map((s) => s.label_zh), axisLabel: { interval: 0, rotate: narrow ? 35 : 0 } },
    yAxis: { type: "value", name: t("cockpit.series.investment") },
    series: [
      {
        name: t("cockpit.series.investment"),
        type: "bar",
        data: cockpit.funnel.map((s) => wan(s.amount_fen)),
        itemStyle: { color: BRAND },
        label: { show: !narrow, position: "top" },
      },
    ],
  };
}

function pie(entries: [string, number, string][], narrow: boolean): EChartsOption {
  return {
    aria: { enabled: true },
    tooltip: { trigger: "item", confine: true },
    legend: { bottom: 0 },
    series: [
      {
        type: "pie",
        radius: narrow ? ["30%", "60%"] : ["35%", "65%"],
        center: ["50%", "45%"],
        data: entries.map(([name, value, color]) => ({ name, value, itemStyle: { color } })),
        label: { formatter: "{b}\n{c}" },
      },
    ],
  };
}

/** Live deadlines red (overdue) / amber (due soon) / green (later). */
export function deadlinesOption(cockpit: Cockpit, t: Label, narrow = false): EChartsOption {
  return pie(
    [
      [t("cockpit.red"), cockpit.deadlines.red ?? 0, RED],
      [t("cockpit.amber"), cockpit.deadlines.amber ?? 0, AMBER],
      [t("cockpit.green"), cockpit.deadlines.green ?? 0, GREEN],
    ],
    narrow,
  );
}

/** Rated projects by risk. */
export function riskOption(cockpit: Cockpit, t: Label, narrow = false): EChartsOption {
  return pie(
    [
      [t("cockpit.risk.high"), cockpit.risk.high ?? 0, RED],
      [t("cockpit.risk.medium"), cockpit.risk.medium ?? 0, AMBER],
      [t("cockpit.risk.low"), cockpit.risk.low ?? 0, GREEN],
    ],
    narrow,
  );
}

/** Catalogued systems by state, then the zombies among them. */
export function systemsOption(cockpit: Cockpit, t: Label, narrow = false): EChartsOption {
  const states = Object.keys(cockpit.systems).filter((key) => key !== "zombie").sort();
  const keys = [...states, "zombie"];
  return {
    ...base(narrow),
    grid: { left: 8, right: 24, top: 8, bottom: 8, containLabel: true },
    xAxis: { type: "category", data: keys.map((key) => (key === "zombie" ? t("cockpit.system.zombie") : t(`cockpit.system.${key}`, key))), axisLabel: { interval: 0 } },
    yAxis: { type: "value", minInterval: 1 },
    series: [
      {
        type: "bar",
        data: keys.map((key) => ({ value: cockpit.systems[key] ?? 0, itemStyle: { color: key === "zombie" ? RED : BLUE } })),
        label: { show: true, position: "top" },
      },
    ],
  };
}

/** Evaluation results and the sanctions in force. */
export function evaluationsOption(cockpit: Cockpit, t: Label, narrow = false): EChartsOption {
  return {
    ...base(narrow),
    grid: { left: 8, right: 24, top: 8, bottom: 8, containLabel: true },
    xAxis: { type: "category", data: [t("cockpit.evaluation.passed"), t("cockpit.evaluation.failed"), t("cockpit.sanctions")], axisLabel: { interval: 0 } },
    yAxis: { type: "value", minInterval: 1 },
    series: [
      {
        type: "bar",
        data: [
          { value: cockpit.evaluations.passed ?? 0, itemStyle: { color: GREEN } },
          { value: cockpit.evaluations.failed ?? 0, itemStyle: { color: AMBER } },
          { value: cockpit.sanctions_active, itemStyle: { color: RED } },
        ],
        label: { show: true, position: "top" },
      },
    ],
  };
}

/** Every chart of the page by its name (the e2e test reads each option back from the page). */
export function cockpitOptions(cockpit: Cockpit, t: Label, narrow = false): Record<string, EChartsOption> {
  return {
    by_stage: bucketsOption(cockpit.by_stage, (b) => t(`portfolio.stage.${b.key}`, b.label_zh ?? b.key), t, narrow),
    by_jurisdiction: bucketsOption(cockpit.by_jurisdiction, (b) => t(`jurisdiction.${b.key}`, b.key), t, narrow),
    by_year: bucketsOption(cockpit.by_year, (b) => (b.key === "None" ? "—" : b.key), t, narrow),
    by_unit: unitsOption(cockpit.by_unit, t, narrow),
    funnel: funnelOption(cockpit, t, narrow),
    deadlines: deadlinesOption(cockpit, t, narrow),
    risk: riskOption(cockpit, t, narrow),
    systems: systemsOption(cockpit, t, narrow),
    evaluations: evaluationsOption(cockpit, t, narrow),
  };
}
