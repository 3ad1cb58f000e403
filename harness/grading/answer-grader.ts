import { z } from "zod";
import { AnswerVerdictSchema } from "./judge.js";
import { saysNotFound } from "./not-found.js";
import { defineGrader } from "./types.js";

export const AnswerGradeSchema = z.object({
  verdict: AnswerVerdictSchema,
  /** Share of expected facts found; null when the item lists none. */
  factCoverage: z.number().min(0).max(1).nullable(),
  factsFound: z.array(z.string()),
  factsMissing: z.array(z.string()),
  saidNotFound: z.boolean(),
  reason: z.string(),
});
export type AnswerGrade = z.infer<typeof AnswerGradeSchema>;

/**
 * Rule-based answer grade (see README-grading.md):
 * - unanswerable item: correct iff the answer says "not found" (not-found.ts) and cites nothing; else wrong.
 * - answerable item: expected facts are matched as case-insensitive substrings:
 *   all → correct, some → partial, none → wrong. An answer that says "not found" and covers no fact
 *   is wrong. An item with no expected facts is correct iff the answer is non-empty and not "not found".
 */
export const answerGrader = defineGrader({
  name: "answer",
  schema: AnswerGradeSchema,
  grade({ record, item }): AnswerGrade {
    const answer = record.answer;
    const saidNotFound = saysNotFound(answer);
    const lower = answer.toLowerCase();
    const factsFound = item.expected_facts.filter((fact) => lower.includes(fact.toLowerCase()));
    const factsMissing = item.expected_facts.filter((fact) => !lower.includes(fact.toLowerCase()));
    const base = { factsFound, factsMissing, saidNotFound };

    if (!item.answerable) {
      const cites = record.citations.length;
      if (saidNotFound && cites === 0) return { ...base, verdict: "correct", factCoverage: null, reason: "unanswerable: said not found, cited nothing" };
      return {
        ...base,
        verdict: "wrong",
        factCoverage: null,
        reason: saidNotFound ? `unanswerable: said not found but cited ${cites} location(s)` : "unanswerable: gave an answer instead of saying not found",
      };
    }
    if (item.expected_facts.length === 0) {
      if (answer.trim() === "") return { ...base, verdict: "wrong", factCoverage: null, reason: "empty answer" };
      if (saidNotFound) return { ...base, verdict: "wrong", factCoverage: null, reason: "answerable but said not found" };
      return { ...base, verdict: "correct", factCoverage: null, reason: "no expected facts: non-empty answer accepted" };
    }
    const coverage = factsFound.length / item.expected_facts.length;
    if (factsFound.length === item.expected_facts.length) return { ...base, verdict: "correct", factCoverage: coverage, reason: "all expected facts present" };
    if (factsFound.length > 0) return { ...base, verdict: "partial", factCoverage: coverage, reason: `${factsFound.length}/${item.expected_facts.length} expected facts present` };
    return {
      ...base,
      verdict: "wrong",
      factCoverage: 0,
      reason: saidNotFound ? "answerable but said not found" : "no expected fact present",
    };
  },
});
