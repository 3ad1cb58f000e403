import { summarizePipeline, type PipelineSummary } from "./metrics.js";
import type { RunView } from "./run-view.js";

export interface GateThresholds {
  minAccuracy: number;
  maxP95Ms: number;
  /** Mean cost per question in USD (errors and missing records excluded, as for every cost figure). */
  maxCost: number;
  minRouteAccuracy?: number;
  minEvidenceHit?: number;
}

export interface GateCheck {
  pipeline: string;
  name: string;
  actual: number;
  threshold: number;
  passed: boolean;
  message: string;
}

export interface GateResult {
  passed: boolean;
  checks: GateCheck[];
  notes: string[];
  summaries: PipelineSummary[];
}

const pct = (value: number) => (Number.isFinite(value) ? `${(value * 100).toFixed(1)}%` : "n/a");

/**
 * Every pipeline in the run must meet every threshold. An undefined actual (no data, e.g. every
 * record errored) fails its check: a gate cannot pass on numbers it does not have.
 */
export function evaluateGate(view: RunView, thresholds: GateThresholds): GateResult {
  const checks: GateCheck[] = [];
  const notes: string[] = [];
  const summaries = view.pipelines.map((pipeline) => summarizePipeline(view, pipeline));
  const check = (pipeline: string, name: string, actual: number, threshold: number, atLeast: boolean, show: (v: number) => string) => {
    const passed = Number.isFinite(actual) && (atLeast ? actual >= threshold : actual <= threshold);
    checks.push({
      pipeline,
      name,
      actual,
      threshold,
      passed,
      message: `${pipeline}: ${name} ${show(actual)} ${passed ? (atLeast ? "≥" : "≤") : atLeast ? "<" : ">"} ${atLeast ? "min" : "max"} ${show(threshold)}`,
    });
  };
  for (const s of summaries) {
    check(s.pipeline, "accuracy", s.accuracy, thresholds.minAccuracy, true, pct);
    check(s.pipeline, "latency p95", s.latencyP95, thresholds.maxP95Ms, false, (v) => (Number.isFinite(v) ? `${Math.round(v)} ms` : "n/a"));
    check(s.pipeline, "cost per question", s.costPerQuestion, thresholds.maxCost, false, (v) => (Number.isFinite(v) ? `$${v.toFixed(5)}` : "n/a"));
    if (thresholds.minEvidenceHit !== undefined) check(s.pipeline, "evidence hit rate", s.evidenceHitRate, thresholds.minEvidenceHit, true, pct);
    if (thresholds.minRouteAccuracy !== undefined) {
      if (s.pipeline === "orchestrated") check(s.pipeline, "route accuracy", s.routeAccuracy, thresholds.minRouteAccuracy, true, pct);
      else notes.push(`${s.pipeline}: route accuracy not applicable (it does not route)`);
    }
  }
  return { passed: checks.every((c) => c.passed), checks, notes, summaries };
}
