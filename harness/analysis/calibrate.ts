import { z } from "zod";
import { PipelineNameSchema } from "../../src/contract.js";
import type { GradedRecord } from "../grading/graded-record-schema.js";
import { AnswerVerdictSchema, type AnswerVerdict } from "../grading/judge.js";
import { cohensKappa, type KappaResult } from "../stats.js";

/** One hand label; extra fields (notes, labeller) are allowed and ignored. */
export const HumanLabelSchema = z.object({
  questionId: z.string().min(1),
  pipeline: PipelineNameSchema,
  repeat: z.number().int().min(0).default(0),
  label: AnswerVerdictSchema,
});
export type HumanLabel = z.infer<typeof HumanLabelSchema>;

const VERDICTS: readonly AnswerVerdict[] = AnswerVerdictSchema.options;

export interface CalibrationResult {
  /** Whose grades were compared with the humans': the judge's when every matched record has one. */
  source: "judge" | "rule";
  matched: number;
  unmatched: HumanLabel[];
  primary: KappaResult;
  rule: KappaResult;
  judge: KappaResult | null;
  disagreements: Array<{ questionId: string; pipeline: string; repeat: number; human: AnswerVerdict; grader: AnswerVerdict }>;
}

export function calibrate(records: readonly GradedRecord[], labels: readonly HumanLabel[]): CalibrationResult {
  const byKey = new Map(records.map((record) => [`${record.questionId}\u0000${record.pipeline}\u0000${record.repeat}`, record]));
  const matched: Array<{ label: HumanLabel; record: GradedRecord }> = [];
  const unmatched: HumanLabel[] = [];
  for (const label of labels) {
    const record = byKey.get(`${label.questionId}\u0000${label.pipeline}\u0000${label.repeat}`);
    if (record) matched.push({ label, record });
    else unmatched.push(label);
  }
  const rulePairs = matched.map(({ label, record }) => [label.label, record.grades.answer.verdict] as const);
  const judgeAvailable = matched.length > 0 && matched.every(({ record }) => record.grades.judge?.verdict != null);
  const judgePairs = judgeAvailable ? matched.map(({ label, record }) => [label.label, record.grades.judge?.verdict as AnswerVerdict] as const) : null;
  const rule = cohensKappa(rulePairs, VERDICTS);
  const judge = judgePairs ? cohensKappa(judgePairs, VERDICTS) : null;
  const source = judge ? "judge" : "rule";
  const pairs = judgePairs ?? rulePairs;
  return {
    source,
    matched: matched.length,
    unmatched,
    primary: judge ?? rule,
    rule,
    judge,
    disagreements: matched
      .map(({ label, record }, i) => ({
        questionId: record.questionId,
        pipeline: record.pipeline,
        repeat: record.repeat,
        human: label.label,
        grader: (pairs[i] as readonly [AnswerVerdict, AnswerVerdict])[1],
      }))
      .filter((row) => row.human !== row.grader),
  };
}
