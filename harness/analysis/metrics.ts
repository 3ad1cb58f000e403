import { ROUTES, type PipelineName, type Route } from "../../src/contract.js";
import { TraceLabelSchema, type TraceLabel } from "../grading/trace-label.js";
import { percentile, wilsonInterval, type ConfidenceInterval } from "../stats.js";
import { outcomesFor, type RunView } from "./run-view.js";

/**
 * Per-question tallies for one pipeline: the unit of every paired statistic, since repeats of one
 * question are not independent. Errors and missing records count as failures and as evidence
 * misses; they carry no usable measurement, so cost, tokens, tool calls and latency use only
 * records that completed (`measured`).
 */
export interface QuestionStats {
  questionId: string;
  route: Route;
  /** Expected records for this question (= repeats). */
  n: number;
  passes: number;
  wasteful: number;
  errors: number;
  missing: number;
  /** Records where evidence hit is defined (question lists expected files); errors/missing count as misses. */
  hitDenominator: number;
  hits: number;
  measured: number;
  toolCalls: number;
  tokens: number;
  cost: number;
  latencies: number[];
  /** Orchestrated only: records graded for route (errors and missing count as wrong). */
  routeDenominator: number;
  routeCorrect: number;
}

export function questionStats(view: RunView, pipeline: PipelineName): QuestionStats[] {
  const outcomes = outcomesFor(view, pipeline);
  return view.questions.map((question) => {
    const mine = outcomes.filter((outcome) => outcome.questionId === question.id);
    const stats: QuestionStats = {
      questionId: question.id,
      route: question.route,
      n: mine.length,
      passes: 0,
      wasteful: 0,
      errors: 0,
      missing: 0,
      hitDenominator: 0,
      hits: 0,
      measured: 0,
      toolCalls: 0,
      tokens: 0,
      cost: 0,
      latencies: [],
      routeDenominator: 0,
      routeCorrect: 0,
    };
    for (const outcome of mine) {
      const record = outcome.record;
      if (outcome.correct) stats.passes++;
      if (outcome.label === "correct_but_wasteful") stats.wasteful++;
      if (record === null) stats.missing++;
      else if (record.error !== null) stats.errors++;
      if (question.hasExpectedFiles && question.answerable) {
        stats.hitDenominator++;
        if (record?.error === null && record.grades.retrieval.hit === true) stats.hits++;
      }
      if (pipeline === "orchestrated") {
        stats.routeDenominator++;
        if (record?.error === null && record.grades.route.correct === true) stats.routeCorrect++;
      }
      if (record !== null && record.error === null) {
        stats.measured++;
        stats.toolCalls += record.toolsCalled.length;
        stats.tokens += record.usage.inputTokens + record.usage.outputTokens;
        stats.cost += record.usage.costUsd;
        stats.latencies.push(record.latencyMs);
      }
    }
    return stats;
  });
}

export interface Aggregate {
  /** Mean over questions of the per-question pass rate. */
  accuracy: number;
  evidenceHitRate: number;
  /** Wasteful among correct. */
  wasteRate: number;
  toolCallsPerQuestion: number;
  tokensPerQuestion: number;
  costPerQuestion: number;
  latencyP50: number;
  latencyP95: number;
  routeAccuracy: number;
}

export type MetricName = keyof Aggregate;

const ratio = (numerator: number, denominator: number) => (denominator === 0 ? Number.NaN : numerator / denominator);

/** Aggregates over a (possibly resampled, repeating) list of question indices. NaN = undefined here. */
export function aggregate(stats: readonly QuestionStats[], indices: readonly number[]): Aggregate {
  let passRateSum = 0;
  let questions = 0;
  let hits = 0;
  let hitDenominator = 0;
  let wasteful = 0;
  let passes = 0;
  let measured = 0;
  let toolCalls = 0;
  let tokens = 0;
  let cost = 0;
  let routeCorrect = 0;
  let routeDenominator = 0;
  const latencies: number[] = [];
  for (const index of indices) {
    const q = stats[index] as QuestionStats;
    if (q.n > 0) {
      passRateSum += q.passes / q.n;
      questions++;
    }
    hits += q.hits;
    hitDenominator += q.hitDenominator;
    wasteful += q.wasteful;
    passes += q.passes;
    measured += q.measured;
    toolCalls += q.toolCalls;
    tokens += q.tokens;
    cost += q.cost;
    routeCorrect += q.routeCorrect;
    routeDenominator += q.routeDenominator;
    for (const latency of q.latencies) latencies.push(latency);
  }
  return {
    accuracy: ratio(passRateSum, questions),
    evidenceHitRate: ratio(hits, hitDenominator),
    wasteRate: ratio(wasteful, passes),
    toolCallsPerQuestion: ratio(toolCalls, measured),
    tokensPerQuestion: ratio(tokens, measured),
    costPerQuestion: ratio(cost, measured),
    latencyP50: percentile(latencies, 50),
    latencyP95: percentile(latencies, 95),
    routeAccuracy: ratio(routeCorrect, routeDenominator),
  };
}

export interface RouteAccuracy {
  route: Route;
  questions: number;
  accuracy: number;
  /** Wilson 95% with n = questions and successes = Σ per-question pass rates. */
  ci: ConfidenceInterval;
}

export function perRouteAccuracy(stats: readonly QuestionStats[]): RouteAccuracy[] {
  return ROUTES.map((route) => {
    const inRoute = stats.filter((q) => q.route === route && q.n > 0);
    const successes = inRoute.reduce((sum, q) => sum + q.passes / q.n, 0);
    return { route, questions: inRoute.length, accuracy: ratio(successes, inRoute.length), ci: wilsonInterval(successes, inRoute.length) };
  }).filter((row) => row.questions > 0);
}

export type LabelCounts = Record<TraceLabel | "missing", number>;

export function labelCounts(view: RunView, pipeline: PipelineName): LabelCounts {
  const counts = Object.fromEntries([...TraceLabelSchema.options, "missing"].map((label) => [label, 0])) as LabelCounts;
  for (const outcome of outcomesFor(view, pipeline)) counts[outcome.label]++;
  return counts;
}

export interface PipelineSummary extends Aggregate {
  pipeline: PipelineName;
  questions: number;
  records: number;
  errors: number;
  missing: number;
  totalCost: number;
  accuracyCi: ConfidenceInterval;
  routeAccuracyCi: ConfidenceInterval | null;
  perRoute: RouteAccuracy[];
  labels: LabelCounts;
}

export function summarizePipeline(view: RunView, pipeline: PipelineName): PipelineSummary {
  const stats = questionStats(view, pipeline);
  const all = stats.map((_, index) => index);
  const totals = aggregate(stats, all);
  // Route accuracy's interval also folds repeats into one unit per question.
  const routed = stats.filter((q) => q.routeDenominator > 0);
  const routeSuccesses = routed.reduce((sum, q) => sum + q.routeCorrect / q.routeDenominator, 0);
  const passRateSum = stats.reduce((sum, q) => sum + (q.n > 0 ? q.passes / q.n : 0), 0);
  return {
    pipeline,
    ...totals,
    questions: stats.length,
    records: stats.reduce((sum, q) => sum + q.n, 0),
    errors: stats.reduce((sum, q) => sum + q.errors, 0),
    missing: stats.reduce((sum, q) => sum + q.missing, 0),
    totalCost: stats.reduce((sum, q) => sum + q.cost, 0),
    accuracyCi: wilsonInterval(passRateSum, stats.filter((q) => q.n > 0).length),
    routeAccuracyCi: routed.length > 0 ? wilsonInterval(routeSuccesses, routed.length) : null,
    perRoute: perRouteAccuracy(stats),
    labels: labelCounts(view, pipeline),
  };
}
