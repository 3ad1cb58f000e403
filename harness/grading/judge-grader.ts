import { z } from "zod";
import { errorMessage } from "../errors.js";
import { AnswerVerdictSchema } from "./judge.js";
import { defineGrader } from "./types.js";

export const JudgeGradeSchema = z
  .object({
    model: z.string(),
    verdict: AnswerVerdictSchema.nullable(),
    rationale: z.string(),
    /** Set when the judge call failed; the rule grade then stands alone for this record. */
    error: z.string().nullable(),
  })
  .nullable();
export type JudgeGrade = z.infer<typeof JudgeGradeSchema>;

/** Evidence is truncated for the judge: enough to check claims, bounded cost. */
const MAX_EVIDENCE_ITEMS = 12;
const MAX_EVIDENCE_CHARS = 1_500;

/** LLM-as-judge grade; null when no judge is configured or the record is an error record. */
export const judgeGrader = defineGrader({
  name: "judge",
  schema: JudgeGradeSchema,
  async grade({ record, item, judge }): Promise<JudgeGrade> {
    if (!judge || record.error !== null) return null;
    try {
      const verdict = await judge.judge({
        question: item.question,
        answerable: item.answerable,
        expectedFacts: item.expected_facts,
        expectedFiles: item.expected_files,
        answer: record.answer,
        citations: record.citations,
        evidence: record.evidence.slice(0, MAX_EVIDENCE_ITEMS).map((evidence) => ({
          path: evidence.path,
          startLine: evidence.startLine,
          endLine: evidence.endLine,
          text: evidence.text.slice(0, MAX_EVIDENCE_CHARS),
        })),
      });
      return { model: judge.model, verdict: verdict.verdict, rationale: verdict.rationale, error: null };
    } catch (error) {
      return { model: judge.model, verdict: null, rationale: "", error: errorMessage(error) };
    }
  },
});
