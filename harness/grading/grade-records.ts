import type { BenchmarkItem } from "../benchmark-schema.js";
import { HarnessError } from "../errors.js";
import type { RunRecord } from "../run-log-schema.js";
import { runPool } from "../runner/pool.js";
import { GRADING_VERSION, type GradedRecord } from "./graded-record-schema.js";
import type { Judge } from "./judge.js";
import { GRADERS, type Grades } from "./registry.js";
import { traceLabel } from "./trace-label.js";
import type { GradeContext } from "./types.js";

export interface GradeOptions {
  judge?: Judge;
  /** Which verdict drives the trace label when a judge grade exists. Default "rule". */
  labelFrom?: "rule" | "judge";
  /** Judge calls in flight at once. */
  concurrency?: number;
  /**
   * Seam for the Langfuse integration (scores, dataset runs): called once per graded record,
   * in completion order. Errors thrown here abort grading, so a broken exporter is noticed.
   */
  onGraded?: (record: GradedRecord, grades: Grades) => void | Promise<void>;
}

export async function gradeRecord(record: RunRecord, item: BenchmarkItem, options: GradeOptions = {}): Promise<GradedRecord> {
  const context: GradeContext = options.judge ? { record, item, judge: options.judge } : { record, item };
  const entries = await Promise.all(GRADERS.map(async (grader) => [grader.name, await grader.grade(context)] as const));
  const grades = Object.fromEntries(entries) as unknown as Grades;
  const judgeVerdict = grades.judge?.verdict ?? null;
  const useJudge = options.labelFrom === "judge" && judgeVerdict !== null;
  const verdict = useJudge ? judgeVerdict : grades.answer.verdict;
  const { label, reason } = traceLabel(record, item, grades, verdict);
  return {
    ...record,
    grades,
    label,
    labelReason: reason,
    verdictSource: useJudge ? "judge" : "rule",
    gradingVersion: GRADING_VERSION,
    expectedRoute: item.route,
    answerable: item.answerable,
  };
}

/** Grades every record; a record whose question is not in the benchmark is a configuration error. */
export async function gradeRecords(records: readonly RunRecord[], items: readonly BenchmarkItem[], options: GradeOptions = {}): Promise<GradedRecord[]> {
  const byId = new Map(items.map((item) => [item.id, item]));
  const unknown = [...new Set(records.filter((record) => !byId.has(record.questionId)).map((record) => record.questionId))];
  if (unknown.length > 0) {
    throw new HarnessError(
      `${unknown.length} question id(s) in the run log are not in the benchmark (wrong --bench?): ${unknown.slice(0, 10).join(", ")}${unknown.length > 10 ? ", …" : ""}`,
    );
  }
  const graded = new Array<GradedRecord>(records.length);
  await runPool(
    records.map((record, index) => ({ record, index })),
    options.judge ? (options.concurrency ?? 4) : records.length || 1,
    async ({ record, index }) => {
      const result = await gradeRecord(record, byId.get(record.questionId) as BenchmarkItem, options);
      graded[index] = result;
      await options.onGraded?.(result, result.grades);
    },
  );
  return graded;
}
