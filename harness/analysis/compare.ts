import { ROUTES, type PipelineName, type Route } from "../../src/contract.js";
import { mcnemarMidP, pairedBootstrapCis, passAtK, passHatK, type ConfidenceInterval, type McNemarResult } from "../stats.js";
import { aggregate, questionStats, summarizePipeline, type MetricName, type PipelineSummary, type QuestionStats } from "./metrics.js";
import { outcomesFor, type RunView } from "./run-view.js";

/** The paired dimensions of the verdict; `better` says which direction of orchestrated − baseline is good. */
export const DIMENSIONS: ReadonlyArray<{ metric: MetricName; title: string; better: "higher" | "lower"; unit: "rate" | "count" | "usd" | "ms" }> = [
  { metric: "accuracy", title: "Accuracy", better: "higher", unit: "rate" },
  { metric: "evidenceHitRate", title: "Evidence hit rate", better: "higher", unit: "rate" },
  { metric: "wasteRate", title: "Waste rate (wasteful among correct)", better: "lower", unit: "rate" },
  { metric: "toolCallsPerQuestion", title: "Tool calls per question", better: "lower", unit: "count" },
  { metric: "tokensPerQuestion", title: "Tokens per question", better: "lower", unit: "count" },
  { metric: "costPerQuestion", title: "Cost per question (USD)", better: "lower", unit: "usd" },
  { metric: "latencyP50", title: "Latency p50 (ms)", better: "lower", unit: "ms" },
  { metric: "latencyP95", title: "Latency p95 (ms)", better: "lower", unit: "ms" },
];

export type DimensionOutcome = "better" | "worse" | "no_difference" | "undefined";

export interface DimensionResult {
  metric: MetricName;
  title: string;
  better: "higher" | "lower";
  unit: "rate" | "count" | "usd" | "ms";
  baseline: number;
  orchestrated: number;
  /** orchestrated − baseline with its paired bootstrap 95% CI. */
  difference: ConfidenceInterval;
  outcome: DimensionOutcome;
}

export interface Verdict {
  justified: boolean;
  /** wins: better somewhere, worse nowhere; loses: worse somewhere, better nowhere; mixed: both; tie: neither. */
  kind: "wins" | "loses" | "mixed" | "tie";
  summary: string;
  reasons: string[];
}

export interface RepeatStats {
  pipeline: PipelineName;
  ks: number[];
  passAtK: number[];
  passHatK: number[];
  perQuestion: Array<{ questionId: string; passes: number; n: number; passRate: number }>;
  flaky: string[];
}

export interface CompareResult {
  questions: number;
  repeats: number;
  bootstrap: { resamples: number; seed: number };
  baseline: PipelineSummary;
  orchestrated: PipelineSummary;
  dimensions: DimensionResult[];
  /** On per-question majority correctness (passed in more than half of its repeats). */
  mcnemar: McNemarResult & { bothRight: number; bothWrong: number };
  flips: { baselineRightOrchestratedWrong: string[]; baselineWrongOrchestratedRight: string[] };
  confusion: { expected: Route[]; chosen: Array<Route | "none">; matrix: number[][] };
  repeatStats: RepeatStats[] | null;
  verdict: Verdict;
}

export interface CompareOptions {
  resamples?: number;
  seed?: number;
}

function classify(better: "higher" | "lower", ci: ConfidenceInterval): DimensionOutcome {
  if (!Number.isFinite(ci.low) || !Number.isFinite(ci.high)) return "undefined";
  if (ci.low > 0) return better === "higher" ? "better" : "worse";
  if (ci.high < 0) return better === "higher" ? "worse" : "better";
  return "no_difference";
}

const majorityCorrect = (q: QuestionStats) => q.n > 0 && q.passes / q.n > 0.5;

function formatValue(value: number, unit: DimensionResult["unit"]): string {
  if (!Number.isFinite(value)) return "n/a";
  if (unit === "rate") return `${(value * 100).toFixed(1)} pp`;
  if (unit === "usd") {
    // three significant digits however small: cost differences are often fractions of a cent
    const digits = value === 0 ? 2 : Math.min(10, Math.max(2, 2 - Math.floor(Math.log10(Math.abs(value)))));
    return `${value < 0 ? "-" : ""}$${Math.abs(value).toFixed(digits)}`;
  }
  // Decimals for small values: a bound of -0.04 ms must not read as "-0 ms", nor as 0.
  if (unit === "ms") return Math.abs(value) < 10 ? `${value.toFixed(Math.abs(value) < 1 ? 2 : 1)} ms` : `${Math.round(value).toLocaleString("en-US")} ms`;
  return value.toFixed(2);
}

export function describeDifference(dimension: DimensionResult): string {
  const { estimate, low, high } = dimension.difference;
  return `${formatValue(estimate, dimension.unit)} [${formatValue(low, dimension.unit)}, ${formatValue(high, dimension.unit)}]`;
}

/**
 * The rule: orchestration is justified when it beats the baseline on at least one dimension without
 * degrading another beyond noise. "Beats" = the 95% CI of orchestrated − baseline excludes 0 in the
 * good direction; "degrades beyond noise" = it excludes 0 in the bad direction.
 */
export function decideVerdict(dimensions: readonly DimensionResult[]): Verdict {
  const better = dimensions.filter((d) => d.outcome === "better");
  const worse = dimensions.filter((d) => d.outcome === "worse");
  const reasons = [
    ...better.map((d) => `better: ${d.title} ${describeDifference(d)}`),
    ...worse.map((d) => `worse: ${d.title} ${describeDifference(d)}`),
  ];
  if (better.length > 0 && worse.length === 0) {
    return { justified: true, kind: "wins", summary: `Orchestration is justified: better on ${better.map((d) => d.title).join(", ")} and worse on nothing beyond noise.`, reasons };
  }
  if (better.length > 0) {
    return {
      justified: false,
      kind: "mixed",
      summary: `Orchestration is not justified: better on ${better.map((d) => d.title).join(", ")} but worse beyond noise on ${worse.map((d) => d.title).join(", ")}.`,
      reasons,
    };
  }
  if (worse.length > 0) {
    return { justified: false, kind: "loses", summary: `Orchestration is not justified: worse beyond noise on ${worse.map((d) => d.title).join(", ")} and better on nothing.`, reasons };
  }
  return {
    justified: false,
    kind: "tie",
    summary: "Orchestration is not justified: no dimension differs from the baseline beyond noise.",
    reasons: reasons.length > 0 ? reasons : ["every 95% CI of orchestrated − baseline includes 0"],
  };
}

function repeatStats(view: RunView, pipeline: PipelineName, stats: readonly QuestionStats[]): RepeatStats {
  const ks = Array.from({ length: view.repeats }, (_, i) => i + 1);
  const usable = stats.filter((q) => q.n > 0);
  const meanOver = (f: (q: QuestionStats) => number) => usable.reduce((sum, q) => sum + f(q), 0) / (usable.length || Number.NaN);
  return {
    pipeline,
    ks,
    passAtK: ks.map((k) => meanOver((q) => (k <= q.n ? passAtK(q.n, q.passes, k) : Number.NaN))),
    passHatK: ks.map((k) => meanOver((q) => (k <= q.n ? passHatK(q.n, q.passes, k) : Number.NaN))),
    perQuestion: usable.map((q) => ({ questionId: q.questionId, passes: q.passes, n: q.n, passRate: q.passes / q.n })),
    flaky: usable.filter((q) => q.passes > 0 && q.passes < q.n).map((q) => q.questionId),
  };
}

/** Baseline vs orchestrated over the same questions; the view must hold both pipelines. */
export function compareRuns(view: RunView, options: CompareOptions = {}): CompareResult {
  const resamples = options.resamples ?? 10_000;
  const seed = options.seed ?? 20240601;
  const base = questionStats(view, "baseline");
  const orch = questionStats(view, "orchestrated");

  const cis = pairedBootstrapCis(
    view.questions.length,
    (indices) => {
      const b = aggregate(base, indices);
      const o = aggregate(orch, indices);
      return DIMENSIONS.map((d) => o[d.metric] - b[d.metric]);
    },
    { resamples, seed },
  );
  const all = view.questions.map((_, index) => index);
  const baseTotals = aggregate(base, all);
  const orchTotals = aggregate(orch, all);
  const dimensions: DimensionResult[] = DIMENSIONS.map((d, k) => {
    const difference = cis[k] as ConfidenceInterval;
    return { ...d, baseline: baseTotals[d.metric], orchestrated: orchTotals[d.metric], difference, outcome: classify(d.better, difference) };
  });

  let bothRight = 0;
  let bothWrong = 0;
  const baselineRightOrchestratedWrong: string[] = [];
  const baselineWrongOrchestratedRight: string[] = [];
  base.forEach((b, i) => {
    const o = orch[i] as QuestionStats;
    const bRight = majorityCorrect(b);
    const oRight = majorityCorrect(o);
    if (bRight && oRight) bothRight++;
    else if (!bRight && !oRight) bothWrong++;
    else if (bRight) baselineRightOrchestratedWrong.push(b.questionId);
    else baselineWrongOrchestratedRight.push(b.questionId);
  });

  const expected = [...ROUTES];
  const chosen: Array<Route | "none"> = [...ROUTES, "none"];
  const matrix = expected.map(() => chosen.map(() => 0));
  const routeOf = new Map(view.questions.map((q) => [q.id, q.route]));
  for (const outcome of outcomesFor(view, "orchestrated")) {
    if (outcome.record === null) continue;
    const row = expected.indexOf(routeOf.get(outcome.questionId) as Route);
    const column = chosen.indexOf(outcome.record.route ?? "none");
    (matrix[row] as number[])[column] = ((matrix[row] as number[])[column] as number) + 1;
  }

  return {
    questions: view.questions.length,
    repeats: view.repeats,
    bootstrap: { resamples, seed },
    baseline: summarizePipeline(view, "baseline"),
    orchestrated: summarizePipeline(view, "orchestrated"),
    dimensions,
    mcnemar: { ...mcnemarMidP(baselineRightOrchestratedWrong.length, baselineWrongOrchestratedRight.length), bothRight, bothWrong },
    flips: { baselineRightOrchestratedWrong, baselineWrongOrchestratedRight },
    confusion: { expected, chosen, matrix },
    repeatStats: view.repeats > 1 ? [repeatStats(view, "baseline", base), repeatStats(view, "orchestrated", orch)] : null,
    verdict: decideVerdict(dimensions),
  };
}
