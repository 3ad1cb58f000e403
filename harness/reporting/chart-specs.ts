import type { TopLevelSpec } from "vega-lite";
import { PIPELINE_COLORS } from "./charts.js";

/** Vega-Lite specs for the report charts. Data is inlined, so rendering needs no loader. */

const pipelineColor = { field: "pipeline", type: "nominal", title: "Pipeline", scale: PIPELINE_COLORS, legend: { orient: "bottom", direction: "horizontal" } } as const;

export function routeAccuracyChart(rows: Array<{ pipeline: string; route: string; accuracy: number; low: number; high: number; questions: number }>): TopLevelSpec {
  return {
    width: 380,
    height: 220,
    data: { values: rows },
    encoding: {
      x: { field: "route", type: "nominal", title: "Expected route", axis: { labelAngle: 0 } },
      xOffset: { field: "pipeline", type: "nominal", scale: { domain: PIPELINE_COLORS.domain } },
    },
    layer: [
      {
        mark: { type: "bar", cornerRadiusTopLeft: 3, cornerRadiusTopRight: 3 },
        encoding: {
          y: { field: "accuracy", type: "quantitative", title: "Accuracy (Wilson 95%)", scale: { domain: [0, 1] }, axis: { format: "%" } },
          color: pipelineColor,
          tooltip: [{ field: "pipeline" }, { field: "route" }, { field: "accuracy", format: ".1%" }, { field: "questions" }],
        },
      },
      {
        mark: { type: "rule", color: "#111827", strokeWidth: 1.5 },
        encoding: { y: { field: "low", type: "quantitative" }, y2: { field: "high" } },
      },
      {
        mark: { type: "tick", color: "#111827", thickness: 1.5, size: 8, orient: "horizontal" },
        encoding: { y: { field: "low", type: "quantitative" } },
      },
      {
        mark: { type: "tick", color: "#111827", thickness: 1.5, size: 8, orient: "horizontal" },
        encoding: { y: { field: "high", type: "quantitative" } },
      },
    ],
  } as TopLevelSpec;
}

export function distributionChart(values: Array<{ pipeline: string; value: number }>, title: string, format: string): TopLevelSpec {
  return {
    width: 400,
    height: 110,
    data: { values },
    layer: [
      {
        mark: { type: "boxplot", extent: "min-max", size: 22, median: { color: "#111827" }, opacity: 0.55 },
        encoding: {
          y: { field: "pipeline", type: "nominal", title: null, scale: { domain: PIPELINE_COLORS.domain } },
          x: { field: "value", type: "quantitative", title, axis: { format, tickCount: 6 }, scale: { zero: false, nice: true } },
          color: { ...pipelineColor, legend: null },
        },
      },
      {
        mark: { type: "tick", thickness: 1, size: 14, opacity: 0.6 },
        encoding: {
          y: { field: "pipeline", type: "nominal", scale: { domain: PIPELINE_COLORS.domain } },
          x: { field: "value", type: "quantitative" },
          color: { ...pipelineColor, legend: null },
        },
      },
    ],
  } as TopLevelSpec;
}

export function confusionHeatmap(cells: Array<{ expected: string; chosen: string; count: number }>): TopLevelSpec {
  return {
    width: 300,
    height: 220,
    data: { values: cells },
    encoding: {
      x: { field: "chosen", type: "nominal", title: "Chosen route", sort: null, axis: { labelAngle: 0, orient: "top" } },
      y: { field: "expected", type: "nominal", title: "Expected route", sort: null },
    },
    layer: [
      {
        mark: { type: "rect", stroke: "white", strokeWidth: 2 },
        encoding: { color: { field: "count", type: "quantitative", title: "Records", scale: { scheme: "blues" }, legend: null } },
      },
      {
        mark: { type: "text", fontSize: 13, fontWeight: 600 },
        encoding: {
          text: { field: "count", type: "quantitative" },
          color: { condition: { test: "datum.count > datum.max * 0.5", value: "white" }, value: "#111827" },
        },
      },
    ],
    transform: [{ joinaggregate: [{ op: "max", field: "count", as: "max" }] }],
  } as TopLevelSpec;
}

export const LABEL_COLORS = {
  domain: ["correct", "correct_but_wasteful", "partial_answer", "wrong_format", "incomplete_evidence_use", "missing_evidence", "wrong_route", "hallucinated", "error", "missing"],
  range: ["#16a34a", "#86efac", "#fcd34d", "#fdba74", "#fb923c", "#f87171", "#c084fc", "#dc2626", "#6b7280", "#d1d5db"],
};

export function labelDistributionChart(rows: Array<{ pipeline: string; label: string; count: number }>): TopLevelSpec {
  return {
    width: 320,
    height: { step: 34 } as unknown as number,
    data: { values: rows.filter((row) => row.count > 0) },
    mark: { type: "bar" },
    encoding: {
      y: { field: "pipeline", type: "nominal", title: null },
      x: { field: "count", type: "quantitative", stack: "normalize", title: "Share of records", axis: { format: "%" } },
      color: { field: "label", type: "nominal", title: "Trace label", scale: LABEL_COLORS, sort: LABEL_COLORS.domain, legend: { orient: "bottom", columns: 2, labelLimit: 240, columnPadding: 16 } },
      order: { field: "order", type: "quantitative" },
      tooltip: [{ field: "pipeline" }, { field: "label" }, { field: "count" }],
    },
    transform: [{ calculate: `indexof(${JSON.stringify(LABEL_COLORS.domain)}, datum.label)`, as: "order" }],
  } as TopLevelSpec;
}

export function causeShareChart(rows: Array<{ pipeline: string; cause: string; share: number; count: number }>): TopLevelSpec {
  return {
    width: 380,
    height: 200,
    data: { values: rows },
    encoding: {
      x: { field: "cause", type: "nominal", title: "Cause", sort: ["retrieval", "prompt", "context", "model"], axis: { labelAngle: 0 } },
      xOffset: { field: "pipeline", type: "nominal", scale: { domain: PIPELINE_COLORS.domain } },
    },
    layer: [
      {
        mark: { type: "bar", cornerRadiusTopLeft: 3, cornerRadiusTopRight: 3 },
        encoding: {
          y: { field: "share", type: "quantitative", title: "Share of attributed failures", scale: { domain: [0, 1] }, axis: { format: "%" } },
          color: pipelineColor,
        },
      },
    ],
  } as TopLevelSpec;
}
