import type { PipelineName, Route } from "../../src/contract.js";
import type { BenchmarkItem } from "../benchmark-schema.js";
import type { GradedRecord } from "../grading/graded-record-schema.js";
import { isCorrectLabel, type TraceLabel } from "../grading/trace-label.js";
import type { RunManifest } from "../run-log-schema.js";

export interface QuestionInfo {
  id: string;
  route: Route;
  answerable: boolean;
  /** Whether the item lists expected files (evidence hit is defined only then). */
  hasExpectedFiles: boolean;
}

/** One expected cell of the run; `record` is null when it never got a record (interrupted, lost). */
export interface Outcome {
  questionId: string;
  pipeline: PipelineName;
  repeat: number;
  record: GradedRecord | null;
  label: TraceLabel | "missing";
  correct: boolean;
}

export interface RunView {
  questions: QuestionInfo[];
  pipelines: PipelineName[];
  repeats: number;
  outcomes: Outcome[];
}

/**
 * The cells a run should have: questions (benchmark, limited as the manifest says, else those seen)
 * × pipelines (manifest, else seen) × repeats (manifest, else the most seen). Cells with no record
 * become "missing" outcomes, which count as failures everywhere downstream, like errors.
 */
export function buildRunView(
  records: readonly GradedRecord[],
  context: {
    items?: readonly BenchmarkItem[];
    manifest?: RunManifest;
    pipelines?: readonly PipelineName[];
    /** Overrides the manifest's repeats (compare merges two runs). */
    repeats?: number;
    /** Overrides the manifest's item count (a run with --limit planned only the first N). */
    questionLimit?: number;
  } = {},
): RunView {
  const seenPipelines = [...new Set(records.map((record) => record.pipeline))];
  const pipelines = [...(context.pipelines ?? context.manifest?.pipelines ?? seenPipelines)];
  const repeats = Math.max(context.repeats ?? context.manifest?.repeats ?? 1, ...records.map((record) => record.repeat + 1));
  let questions: QuestionInfo[];
  if (context.items) {
    const limit = context.questionLimit ?? context.manifest?.benchmark.items ?? context.items.length;
    questions = context.items.slice(0, limit).map((item) => ({
      id: item.id,
      route: item.route,
      answerable: item.answerable,
      hasExpectedFiles: item.expected_files.length > 0,
    }));
  } else {
    const byId = new Map<string, QuestionInfo>();
    for (const record of records) {
      if (!byId.has(record.questionId)) {
        byId.set(record.questionId, {
          id: record.questionId,
          route: record.expectedRoute,
          answerable: record.answerable,
          hasExpectedFiles: record.grades.retrieval.applicable,
        });
      }
    }
    questions = [...byId.values()];
  }
  const byKey = new Map(records.map((record) => [`${record.questionId}\u0000${record.pipeline}\u0000${record.repeat}`, record]));
  const outcomes: Outcome[] = [];
  for (const question of questions)
    for (const pipeline of pipelines)
      for (let repeat = 0; repeat < repeats; repeat++) {
        const record = byKey.get(`${question.id}\u0000${pipeline}\u0000${repeat}`) ?? null;
        outcomes.push({
          questionId: question.id,
          pipeline,
          repeat,
          record,
          label: record?.label ?? "missing",
          correct: record !== null && isCorrectLabel(record.label),
        });
      }
  return { questions, pipelines, repeats, outcomes };
}

export function outcomesFor(view: RunView, pipeline: PipelineName): Outcome[] {
  return view.outcomes.filter((outcome) => outcome.pipeline === pipeline);
}
