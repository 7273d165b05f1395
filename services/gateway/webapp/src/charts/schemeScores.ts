// The ECharts option of a scheme review's mean score per dimension, from review's `scheme_result`.
import type { EChartsOption } from "echarts";

export interface SchemeResult {
  passed?: boolean;
  reviewers?: number;
  dimension_means?: Record<string, number>;
  mean_total_score?: number | null;
}

export function schemeScoresOption(result: SchemeResult, dimensionLabel: (code: string) => string): EChartsOption | null {
  const entries = Object.entries(result.dimension_means ?? {});
  if (!entries.length) return null;
  return {
    grid: { left: 8, right: 24, top: 8, bottom: 8, containLabel: true },
    xAxis: { type: "value", min: 0 },
    yAxis: { type: "category", data: entries.map(([code]) => dimensionLabel(code)), axisLabel: { width: 110, overflow: "truncate" } },
    series: [{ type: "bar", data: entries.map(([, mean]) => Math.round(mean * 100) / 100), label: { show: true, position: "right" }, itemStyle: { color: "#b4232c" } }],
    tooltip: { trigger: "axis" },
    aria: { enabled: true },
  };
}
