import type { CreateScoreRequest } from "@langfuse/core";
import type { GradedRecord } from "../grading/graded-record-schema.js";
import { deterministicUuid } from "./ids.js";

/**
 * The scores one graded record puts on its trace. Names and types are the contract with whoever
 * filters or charts them in Langfuse (README-grading.md, "Results in Langfuse"):
 *
 * | name                | type        | value                                     | when                              |
 * |---------------------|-------------|-------------------------------------------|-----------------------------------|
 * | trace_label         | CATEGORICAL | the trace label                           | always                            |
 * | answer_grade        | CATEGORICAL | rule verdict correct / partial / wrong    | always                            |
 * | fact_coverage       | NUMERIC     | share of expected facts in the answer     | the item lists expected facts     |
 * | retrieval_hit       | BOOLEAN     | an expected file is in the evidence       | the item lists expected files     |
 * | retrieval_recall    | NUMERIC     | expected files found / expected files     | the item lists expected files     |
 * | route_correct       | BOOLEAN     | chosen route = expected route             | orchestrated only                 |
 * | needless_tool_calls | NUMERIC     | needless calls (README-grading.md rule)   | always                            |
 * | judge_grade         | CATEGORICAL | the LLM judge's verdict                   | graded with --judge and it answered |
 */
export const TRACE_SCORE_NAMES = [
  "trace_label",
  "answer_grade",
  "fact_coverage",
  "retrieval_hit",
  "retrieval_recall",
  "route_correct",
  "needless_tool_calls",
  "judge_grade",
] as const;
export type TraceScoreName = (typeof TRACE_SCORE_NAMES)[number];

type ScoreValue = { dataType: "CATEGORICAL"; value: string } | { dataType: "NUMERIC"; value: number } | { dataType: "BOOLEAN"; value: boolean };

/** The id a trace score gets: re-grading the same run sends the same ids, which Langfuse updates. */
export function traceScoreId(record: Pick<GradedRecord, "runId" | "questionId" | "pipeline" | "repeat">, name: TraceScoreName): string {
  return deterministicUuid("trace-score", record.runId, record.questionId, record.pipeline, record.repeat, name);
}

/** Scores for the record's trace; none when the record has no trace id (errors, tracing off). */
export function traceScoresFor(record: GradedRecord, environment?: string): CreateScoreRequest[] {
  const traceId = record.traceId;
  if (!traceId) return [];
  const { answer, retrieval, route, tools, judge } = record.grades;
  const values: Partial<Record<TraceScoreName, ScoreValue>> = {
    trace_label: { dataType: "CATEGORICAL", value: record.label },
    answer_grade: { dataType: "CATEGORICAL", value: answer.verdict },
    ...(answer.factCoverage !== null ? { fact_coverage: { dataType: "NUMERIC", value: answer.factCoverage } } : {}),
    ...(retrieval.hit !== null ? { retrieval_hit: { dataType: "BOOLEAN", value: retrieval.hit } } : {}),
    ...(retrieval.recall !== null ? { retrieval_recall: { dataType: "NUMERIC", value: retrieval.recall } } : {}),
    ...(route.applicable && route.correct !== null ? { route_correct: { dataType: "BOOLEAN", value: route.correct } } : {}),
    needless_tool_calls: { dataType: "NUMERIC", value: tools.needlessCount },
    ...(judge?.verdict ? { judge_grade: { dataType: "CATEGORICAL", value: judge.verdict } } : {}),
  };
  const metadata = {
    runId: record.runId,
    questionId: record.questionId,
    pipeline: record.pipeline,
    repeat: record.repeat,
    gradingVersion: record.gradingVersion,
    verdictSource: record.verdictSource,
  };
  return TRACE_SCORE_NAMES.flatMap((name) => {
    const score = values[name];
    if (!score) return [];
    return [
      {
        id: traceScoreId(record, name),
        traceId,
        name,
        dataType: score.dataType,
        // Langfuse takes booleans as 1/0 and categories as strings.
        value: typeof score.value === "boolean" ? (score.value ? 1 : 0) : score.value,
        // The judge explains its own verdict; every other score is explained by the label's reason.
        comment: name === "judge_grade" && judge ? judge.rationale : record.labelReason,
        metadata: name === "judge_grade" && judge ? { ...metadata, judgeModel: judge.model } : metadata,
        ...(environment ? { environment } : {}),
      },
    ];
  });
}
