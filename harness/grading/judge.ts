import { z } from "zod";

export const AnswerVerdictSchema = z.enum(["correct", "partial", "wrong"]);
export type AnswerVerdict = z.infer<typeof AnswerVerdictSchema>;

/** What the judge returns; also the structured-output schema given to the model. */
export const JudgeVerdictSchema = z.object({
  verdict: AnswerVerdictSchema,
  rationale: z.string().describe("One or two sentences naming the facts found, missing or contradicted."),
});
export type JudgeVerdict = z.infer<typeof JudgeVerdictSchema>;

export interface JudgeInput {
  question: string;
  answerable: boolean;
  expectedFacts: readonly string[];
  expectedFiles: readonly string[];
  answer: string;
  citations: ReadonlyArray<{ path: string; startLine: number; endLine: number }>;
  /** Evidence excerpts the pipeline had, already truncated by the caller. */
  evidence: ReadonlyArray<{ path: string; startLine: number; endLine: number; text: string }>;
}

/** An LLM-as-judge. The real one is harness/grading/openai-judge.ts; tests inject fakes. */
export interface Judge {
  readonly model: string;
  judge(input: JudgeInput): Promise<JudgeVerdict>;
}

/**
 * The rubric the judge applies (kept in sync with README-grading.md). It mirrors the rule grader's
 * three levels so the two can be compared, but lets paraphrases count where substring matching cannot.
 */
export const JUDGE_RUBRIC = `You grade one answer to a question about a code repository.

Levels:
- correct: every expected fact is stated (paraphrase is fine, the meaning must be the same) and nothing the answer states contradicts the expected facts or the evidence.
- partial: at least one expected fact is stated correctly but at least one is missing, OR all are stated but the answer also makes a claim the evidence contradicts.
- wrong: no expected fact is stated correctly, or the answer says the information is not in the repository although the question is answerable.

Unanswerable questions (answerable = false): correct only if the answer clearly says the repository does not contain the answer and cites nothing; anything else is wrong.

Judge only the content. Do not reward length, confidence or style. Do not use knowledge outside the question, the expected facts and the evidence.`;

export function renderJudgePrompt(input: JudgeInput): string {
  const evidence = input.evidence
    .map((item) => `--- ${item.path}:${item.startLine}-${item.endLine}\n${item.text}`)
    .join("\n");
  return [
    `Question: ${input.question}`,
    `Answerable: ${input.answerable}`,
    `Expected facts:\n${input.expectedFacts.map((fact) => `- ${fact}`).join("\n") || "(none)"}`,
    `Expected files: ${input.expectedFiles.join(", ") || "(none)"}`,
    `Answer:\n${input.answer}`,
    `Citations: ${input.citations.map((c) => `${c.path}:${c.startLine}-${c.endLine}`).join(", ") || "(none)"}`,
    `Evidence:\n${evidence || "(none)"}`,
  ].join("\n\n");
}
