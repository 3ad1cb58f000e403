import { z } from "zod";
import type { BenchmarkItem } from "../benchmark-schema.js";
import type { RunRecord } from "../run-log-schema.js";
import type { AnswerVerdict } from "./judge.js";
import type { Grades } from "./registry.js";

export const TraceLabelSchema = z.enum([
  "correct",
  "correct_but_wasteful",
  "wrong_route",
  "missing_evidence",
  "incomplete_evidence_use",
  "partial_answer",
  "wrong_format",
  "hallucinated",
  "error",
]);
export type TraceLabel = z.infer<typeof TraceLabelSchema>;

/** Labels that count as a correct answer in accuracy (waste is reported separately). */
export const CORRECT_LABELS: ReadonlySet<TraceLabel> = new Set(["correct", "correct_but_wasteful"]);
export const isCorrectLabel = (label: TraceLabel) => CORRECT_LABELS.has(label);

/**
 * Exactly one label per record: the first row whose condition holds (kept in sync with README-grading.md).
 *
 * | # | label                   | condition                                                                                   |
 * |---|-------------------------|---------------------------------------------------------------------------------------------|
 * | 1 | error                   | the record has an error (pipeline threw, timed out, HTTP non-2xx, invalid result)           |
 * | 2 | hallucinated            | grounding: a citation, a `path:line` claim or a fenced-code line not in the evidence;       |
 * |   |                         | or an unanswerable item given a (non-empty) answer instead of "not found"                    |
 * | 3 | correct_but_wasteful    | answer verdict correct and ≥ 1 needless tool call                                           |
 * | 4 | correct                 | answer verdict correct                                                                       |
 * | 5 | wrong_route             | orchestrated, and the expected specialist did not run (not chosen, not in the fan-out)      |
 * | 6 | missing_evidence        | answerable item with expected files, none of which is among the evidence paths              |
 * | 7 | wrong_format            | empty answer; or unanswerable item answered "not found" but with citations; or an            |
 * |   |                         | answerable, non-"not found" answer with no citations although evidence was gathered         |
 * | 8 | partial_answer          | answer verdict partial                                                                       |
 * | 9 | incomplete_evidence_use | anything else: answer wrong although the expected evidence was gathered (or none is listed) |
 *
 * The answer verdict is the rule grade, or the judge's when `labelFrom = "judge"` and the judge answered.
 */
export function traceLabel(
  record: RunRecord,
  item: BenchmarkItem,
  grades: Grades,
  verdict: AnswerVerdict,
): { label: TraceLabel; reason: string } {
  if (record.error !== null) return { label: "error", reason: `${record.error.code}: ${record.error.message}` };

  const grounding = grades.grounding;
  if (grounding.hallucinated) {
    const parts = [
      grounding.unsupportedCitations.length > 0 ? `${grounding.unsupportedCitations.length} citation(s) outside the evidence` : "",
      grounding.unsupportedClaims.length > 0 ? `claimed ${grounding.unsupportedClaims.join(", ")}` : "",
      grounding.unsupportedQuotes.length > 0 ? `${grounding.unsupportedQuotes.length} quoted line(s) not in the evidence` : "",
    ].filter(Boolean);
    return { label: "hallucinated", reason: parts.join("; ") };
  }
  const answered = record.answer.trim() !== "";
  if (!item.answerable && answered && !grades.answer.saidNotFound) {
    return { label: "hallucinated", reason: "unanswerable question answered instead of saying not found" };
  }

  if (verdict === "correct") {
    const needless = grades.tools.needlessCount;
    if (needless > 0) {
      const reasons = [...new Set(grades.tools.needless.map((call) => call.reason))].join(", ");
      return { label: "correct_but_wasteful", reason: `${needless} needless tool call(s): ${reasons}` };
    }
    return { label: "correct", reason: grades.answer.reason };
  }

  if (grades.route.applicable && grades.route.expectedRan === false) {
    return { label: "wrong_route", reason: `expected ${grades.route.expected}, ran ${record.routesRun.join("+") || record.route || "nothing"}` };
  }
  if (item.answerable && grades.retrieval.hit === false) {
    return { label: "missing_evidence", reason: `none of ${item.expected_files.join(", ")} in the evidence` };
  }
  if (!answered) return { label: "wrong_format", reason: "empty answer" };
  if (!item.answerable && grades.answer.saidNotFound && record.citations.length > 0) {
    return { label: "wrong_format", reason: "said not found but cited locations" };
  }
  if (item.answerable && !grades.answer.saidNotFound && record.citations.length === 0 && record.evidence.length > 0) {
    return { label: "wrong_format", reason: "answer cites nothing although evidence was gathered" };
  }
  if (verdict === "partial") return { label: "partial_answer", reason: grades.answer.reason };
  return {
    label: "incomplete_evidence_use",
    reason: grades.answer.saidNotFound ? "said not found although the expected evidence was gathered" : `answer wrong with the evidence present (${grades.answer.reason})`,
  };
}
