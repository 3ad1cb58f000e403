import { ChatOpenAI } from "@langchain/openai";
import { HarnessError } from "../errors.js";
import { JUDGE_RUBRIC, JudgeVerdictSchema, renderJudgePrompt, type Judge, type JudgeInput, type JudgeVerdict } from "./judge.js";

export const DEFAULT_JUDGE_MODEL = "gpt-4o-mini";

/** The real judge: ChatOpenAI with structured output, temperature 0 for repeatable grades. */
export function createOpenAIJudge(options: { model?: string; apiKey?: string } = {}): Judge {
  const apiKey = options.apiKey ?? process.env.OPENAI_API_KEY;
  if (!apiKey) throw new HarnessError("the LLM judge needs OPENAI_API_KEY to be set");
  const model = options.model ?? process.env.HARNESS_JUDGE_MODEL ?? DEFAULT_JUDGE_MODEL;
  const structured = new ChatOpenAI({ model, temperature: 0, apiKey }).withStructuredOutput(JudgeVerdictSchema, {
    name: "grade_answer",
  });
  return {
    model,
    async judge(input: JudgeInput): Promise<JudgeVerdict> {
      const output = await structured.invoke([
        { role: "system", content: JUDGE_RUBRIC },
        { role: "user", content: renderJudgePrompt(input) },
      ]);
      return JudgeVerdictSchema.parse(output);
    },
  };
}
