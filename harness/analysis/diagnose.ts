import type { PipelineName } from "../../src/contract.js";
import type { GradedRecord } from "../grading/graded-record-schema.js";
import { outcomesFor, type RunView } from "./run-view.js";

export const CAUSES = ["retrieval", "prompt", "context", "model"] as const;
export type Cause = (typeof CAUSES)[number];

/**
 * The ladder, tried in this order; the first cause whose share of attributed failures is above its
 * threshold is the rung to fix first. Retrieval and prompt are cheaper to fix and more often the
 * root cause, so they need a larger share (30%) before they are ruled out; context and model 20%.
 */
export const LADDER: ReadonlyArray<{ cause: Cause; threshold: number; advice: string }> = [
  { cause: "retrieval", threshold: 0.3, advice: "fix retrieval: the expected evidence is not being found (index, chunking, query rewriting, tool choice)" },
  { cause: "prompt", threshold: 0.3, advice: "fix the prompt: evidence is there but answers are partial or malformed (instructions, output format, examples)" },
  { cause: "context", threshold: 0.2, advice: "fix context: evidence is there but poorly used (ordering, truncation, too much noise, citing the wrong parts)" },
  { cause: "model", threshold: 0.2, advice: "try a stronger model: evidence is there, instructions are clear, answers are still wrong or invented" },
];

/**
 * Attributes one non-correct record to exactly one cause (README-grading.md, "diagnose"):
 * - retrieval: the expected evidence is missing (retrieval hit is false), whatever the label;
 * - prompt:    evidence present, label wrong_format or partial_answer;
 * - model:     evidence present, label hallucinated; or a wrong answer that cites an expected file
 *              (it used the right evidence and still concluded wrongly);
 * - context:   evidence present, any other wrong answer (incomplete_evidence_use, wrong_route):
 *              the right evidence was gathered but not used, or the wrong parts were cited.
 */
export function attributeFailure(record: GradedRecord): Cause {
  if (record.grades.retrieval.hit === false) return "retrieval";
  switch (record.label) {
    case "wrong_format":
    case "partial_answer":
      return "prompt";
    case "hallucinated":
      return "model";
    default:
      return record.grades.retrieval.citesExpected === true ? "model" : "context";
  }
}

export interface CauseRow {
  cause: Cause;
  count: number;
  /** Share of attributed failures (errors and missing records excluded). */
  share: number;
  questionIds: string[];
}

export interface PipelineDiagnosis {
  pipeline: PipelineName;
  records: number;
  failures: number;
  attributed: number;
  causes: CauseRow[];
  errors: { count: number; questionIds: string[]; codes: Record<string, number> };
  missing: { count: number; questionIds: string[] };
  recommendation: { rung: Cause | "none"; advice: string };
}

export function recommend(causes: readonly CauseRow[], attributed: number): PipelineDiagnosis["recommendation"] {
  if (attributed === 0) return { rung: "none", advice: "no attributable failures (only correct answers, errors or missing records)" };
  for (const step of LADDER) {
    const row = causes.find((c) => c.cause === step.cause);
    if (row && row.share > step.threshold) return { rung: step.cause, advice: step.advice };
  }
  return { rung: "none", advice: "no dominant cause: no share is above its threshold; look at the failures one by one" };
}

export function diagnosePipeline(view: RunView, pipeline: PipelineName): PipelineDiagnosis {
  const outcomes = outcomesFor(view, pipeline);
  const failures = outcomes.filter((outcome) => !outcome.correct);
  const buckets = new Map<Cause, Set<string>>(CAUSES.map((cause) => [cause, new Set()]));
  const counts = new Map<Cause, number>(CAUSES.map((cause) => [cause, 0]));
  const errorIds = new Set<string>();
  const codes: Record<string, number> = {};
  const missingIds = new Set<string>();
  let errorCount = 0;
  let missingCount = 0;
  for (const outcome of failures) {
    const record = outcome.record;
    if (record === null) {
      missingCount++;
      missingIds.add(outcome.questionId);
    } else if (record.error !== null) {
      errorCount++;
      errorIds.add(outcome.questionId);
      codes[record.error.code] = (codes[record.error.code] ?? 0) + 1;
    } else {
      const cause = attributeFailure(record);
      counts.set(cause, (counts.get(cause) ?? 0) + 1);
      buckets.get(cause)?.add(outcome.questionId);
    }
  }
  const attributed = failures.length - errorCount - missingCount;
  const causes = CAUSES.map((cause) => ({
    cause,
    count: counts.get(cause) ?? 0,
    share: attributed === 0 ? 0 : (counts.get(cause) ?? 0) / attributed,
    questionIds: [...(buckets.get(cause) ?? [])],
  }));
  return {
    pipeline,
    records: outcomes.length,
    failures: failures.length,
    attributed,
    causes,
    errors: { count: errorCount, questionIds: [...errorIds], codes },
    missing: { count: missingCount, questionIds: [...missingIds] },
    recommendation: recommend(causes, attributed),
  };
}

export function diagnoseRun(view: RunView): PipelineDiagnosis[] {
  return view.pipelines.map((pipeline) => diagnosePipeline(view, pipeline));
}
