import type { CreateScoreRequest } from "@langfuse/core";
import { aggregate, questionStats, type Aggregate } from "../analysis/metrics.js";
import type { RunView } from "../analysis/run-view.js";
import type { GradedRecord } from "../grading/graded-record-schema.js";
import type { DatasetRunLink } from "./dataset-links.js";
import { deterministicUuid } from "./ids.js";

/**
 * Aggregate scores of one dataset run (one pipeline, one repeat), computed exactly as the grade
 * report computes them (harness/analysis/metrics.ts): errors and missing records are failures.
 */
const RUN_SCORES: ReadonlyArray<{ name: string; metric: keyof Aggregate; describe: string }> = [
  { name: "accuracy", metric: "accuracy", describe: "share of questions answered correctly (correct or correct_but_wasteful)" },
  { name: "evidence_hit_rate", metric: "evidenceHitRate", describe: "answerable questions with expected files whose evidence held one" },
  { name: "waste_rate", metric: "wasteRate", describe: "correct_but_wasteful among correct answers" },
  { name: "route_accuracy", metric: "routeAccuracy", describe: "orchestrated: chosen route = expected route" },
  { name: "tool_calls_per_question", metric: "toolCallsPerQuestion", describe: "mean tool calls, completed records" },
  { name: "tokens_per_question", metric: "tokensPerQuestion", describe: "mean input + output tokens, completed records" },
  { name: "cost_per_question_usd", metric: "costPerQuestion", describe: "mean cost in USD, completed records" },
  { name: "latency_p50_ms", metric: "latencyP50", describe: "median latency, completed records" },
  { name: "latency_p95_ms", metric: "latencyP95", describe: "95th percentile latency, completed records" },
];
export const DATASET_RUN_SCORE_NAMES = RUN_SCORES.map((score) => score.name);

export function datasetRunScoreId(link: DatasetRunLink, runId: string, name: string): string {
  return deterministicUuid("dataset-run-score", runId, link.pipeline, link.repeat, name);
}

/** NUMERIC scores on each linked dataset run; a metric without data (NaN) is left out. */
export function datasetRunScoresFor(
  view: RunView,
  links: readonly DatasetRunLink[],
  context: { runId: string; graded: readonly GradedRecord[]; environment?: string },
): CreateScoreRequest[] {
  const verdictSources = [...new Set(context.graded.map((record) => record.verdictSource))].join("+") || "rule";
  const gradingVersion = context.graded[0]?.gradingVersion;
  return links.flatMap((link) => {
    if (!view.pipelines.includes(link.pipeline) || link.repeat >= view.repeats) return [];
    const oneRepeat: RunView = {
      ...view,
      repeats: 1,
      outcomes: view.outcomes.filter((outcome) => outcome.pipeline === link.pipeline && outcome.repeat === link.repeat),
    };
    const stats = questionStats(oneRepeat, link.pipeline);
    const totals = aggregate(
      stats,
      stats.map((_, index) => index),
    );
    return RUN_SCORES.flatMap(({ name, metric, describe }) => {
      const value = totals[metric];
      if (!Number.isFinite(value)) return [];
      return [
        {
          id: datasetRunScoreId(link, context.runId, name),
          datasetRunId: link.datasetRunId,
          name,
          dataType: "NUMERIC" as const,
          value,
          comment: `${describe}; ${stats.length} question(s)`,
          metadata: { runId: context.runId, pipeline: link.pipeline, repeat: link.repeat, verdictSource: verdictSources, ...(gradingVersion !== undefined ? { gradingVersion } : {}) },
          ...(context.environment ? { environment: context.environment } : {}),
        },
      ];
    });
  });
}
