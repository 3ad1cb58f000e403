import type { PipelineName } from "../../src/contract.js";
import type { PipelineSummary } from "../analysis/metrics.js";
import { outcomesFor, type RunView } from "../analysis/run-view.js";
import { TraceLabelSchema } from "../grading/trace-label.js";
import { distributionChart, labelDistributionChart, routeAccuracyChart } from "./chart-specs.js";
import type { Block } from "./document.js";
import { ms, num, pct, pctCi, usd } from "./format.js";

/** Blocks both the grade and the compare report show, so the two read the same way. */
export function summaryTable(summaries: readonly PipelineSummary[]): Block[] {
  return [
    {
      kind: "table",
      caption: "Quality. Errors and missing records count as failures and as evidence misses.",
      columns: ["Pipeline", "Records", "Accuracy [Wilson 95%]", "Evidence hit", "Waste (of correct)", "Route accuracy [95%]", "Errors", "Missing"],
      rows: summaries.map((s) => [
        s.pipeline,
        s.records,
        pctCi(s.accuracyCi),
        pct(s.evidenceHitRate),
        pct(s.wasteRate),
        s.routeAccuracyCi ? pctCi(s.routeAccuracyCi) : "n/a",
        s.errors,
        s.missing,
      ]),
    },
    {
      kind: "table",
      caption: "Cost and speed, over completed records only (errors and missing records carry no measurement).",
      columns: ["Pipeline", "Tool calls / question", "Tokens / question", "Cost / question", "Total cost", "Latency p50", "Latency p95"],
      rows: summaries.map((s) => [
        s.pipeline,
        num(s.toolCallsPerQuestion),
        num(s.tokensPerQuestion, 0),
        usd(s.costPerQuestion),
        usd(s.totalCost),
        ms(s.latencyP50),
        ms(s.latencyP95),
      ]),
    },
  ];
}

export function perRouteTable(summaries: readonly PipelineSummary[]): Block {
  const routes = [...new Set(summaries.flatMap((s) => s.perRoute.map((r) => r.route)))];
  return {
    kind: "table",
    caption: "Accuracy by the benchmark's expected route; Wilson 95% interval with n = questions.",
    columns: ["Route", "Questions", ...summaries.map((s) => `${s.pipeline} accuracy`)],
    rows: routes.map((route) => [
      route,
      summaries[0]?.perRoute.find((r) => r.route === route)?.questions ?? 0,
      ...summaries.map((s) => pctCi(s.perRoute.find((r) => r.route === route)?.ci ?? null)),
    ]),
  };
}

export function labelTable(summaries: readonly PipelineSummary[]): Block {
  const labels = [...TraceLabelSchema.options, "missing" as const];
  return {
    kind: "table",
    columns: ["Trace label", ...summaries.map((s) => s.pipeline)],
    rows: labels
      .filter((label) => summaries.some((s) => s.labels[label] > 0))
      .map((label) => [label, ...summaries.map((s) => `${s.labels[label]} (${pct(s.labels[label] / (s.records || 1), 0)})`)]),
  };
}

export function standardCharts(view: RunView, summaries: readonly PipelineSummary[]): Block[] {
  const pipelines: PipelineName[] = summaries.map((s) => s.pipeline);
  const measured = (pipeline: PipelineName) =>
    outcomesFor(view, pipeline).flatMap((o) => (o.record && o.record.error === null ? [o.record] : []));
  const latency = pipelines.flatMap((pipeline) => measured(pipeline).map((r) => ({ pipeline, value: r.latencyMs })));
  const cost = pipelines.flatMap((pipeline) => measured(pipeline).map((r) => ({ pipeline, value: r.usage.costUsd })));
  const blocks: Block[] = [
    {
      kind: "chart",
      title: "Accuracy by expected route (Wilson 95% error bars)",
      spec: routeAccuracyChart(
        summaries.flatMap((s) => s.perRoute.map((r) => ({ pipeline: s.pipeline, route: r.route, accuracy: r.accuracy, low: r.ci.low, high: r.ci.high, questions: r.questions }))),
      ),
    },
    {
      kind: "chart",
      title: "Trace labels",
      spec: labelDistributionChart(summaries.flatMap((s) => Object.entries(s.labels).map(([label, count]) => ({ pipeline: s.pipeline, label, count })))),
    },
  ];
  if (latency.length > 0) blocks.push({ kind: "chart", title: "Latency per question", spec: distributionChart(latency, "Latency (ms)", ",.0f") });
  if (cost.length > 0) blocks.push({ kind: "chart", title: "Cost per question", spec: distributionChart(cost, "Cost (USD)", currencyFormat(cost.map((c) => c.value))) });
  return blocks;
}

/** Enough decimals that neighbouring axis ticks differ (costs are often fractions of a cent). */
export function currencyFormat(values: readonly number[]): string {
  const range = Math.max(...values) - Math.min(...values);
  const magnitude = range > 0 ? range : Math.max(...values.map(Math.abs));
  const decimals = magnitude > 0 ? Math.min(8, Math.max(2, Math.ceil(-Math.log10(magnitude)) + 1)) : 2;
  return `$.${decimals}f`;
}
