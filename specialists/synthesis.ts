import { HumanMessage, SystemMessage, type AIMessage } from "@langchain/core/messages";
import type { Callbacks } from "@langchain/core/callbacks/manager";
import { addUsage, ZERO_USAGE, type Citation, type Evidence, type Usage } from "../src/contract.js";
import { DATA_POLICY, escapeEvidenceText, formatEvidence } from "../src/models/openai/evidence-format.js";
import { usageOf } from "../src/models/pricing.js";
import type { ModelProvider } from "../src/models/provider.js";
import { dedupeEvidence } from "./shared/evidence-ranking.js";
import { notFoundAnswer } from "./shared/extractive-answer.js";
import { groundCitations } from "./shared/citations.js";
import type { AgentOutput } from "./types.js";

export interface SynthesisResult {
  answer: string;
  citations: Citation[];
  evidence: Evidence[];
  notFound: boolean;
  usage: Usage;
  model: string | null;
  /** Which agents' answers the final answer draws on. */
  used: string[];
}

export const SYNTHESIS_PROMPT = [
  "You write the final answer to a question about one code repository from the answers of specialists and the evidence they retrieved.",
  "Merge what they found: resolve disagreements in favour of the evidence, drop what the evidence does not support, and keep the answer focused on the question.",
  "Use only the evidence below. Cite every claim as path:start-end with a line range inside the evidence. A fenced code block must quote evidence lines exactly.",
  "If no specialist found evidence that answers the question, say it was not found in this repository.",
].join("\n");

/** A second answer is kept beside the first when it is at least this good and adds other files. */
const SECONDARY_RELATIVE_COVERAGE = 0.6;

/** Merges specialist outputs without a model: the best-grounded answer, plus a second that adds to it. */
export function mergeOffline(outputs: readonly AgentOutput[]): SynthesisResult {
  const ranked = [...outputs].sort((a, b) => Number(a.notFound) - Number(b.notFound) || b.coverage - a.coverage);
  const evidence = dedupeEvidence(outputs.flatMap((o) => o.evidence));
  const primary = ranked[0];
  if (!primary || primary.notFound) {
    return { answer: primary?.answer ?? notFoundAnswer([]), citations: [], evidence, notFound: true, usage: ZERO_USAGE, model: null, used: primary ? [primary.agent] : [] };
  }
  const chosen = [primary];
  const second = ranked[1];
  const addsFiles = second && second.citations.some((c) => !primary.citations.some((p) => p.path === c.path));
  if (second && !second.notFound && addsFiles && second.coverage >= primary.coverage * SECONDARY_RELATIVE_COVERAGE) chosen.push(second);
  const answer = chosen.length === 1 ? primary.answer : chosen.map((o) => `From the ${o.agent} specialist:\n\n${o.answer}`).join("\n\n");
  return {
    answer,
    citations: chosen.flatMap((o) => o.citations),
    evidence,
    notFound: false,
    usage: ZERO_USAGE,
    model: null,
    used: chosen.map((o) => o.agent),
  };
}

/**
 * Synthesis: one specialist's answer passes through; several are merged, by the synthesis model
 * when there is one (falling back to the offline merge if it fails) and offline otherwise.
 */
export async function synthesize(
  question: string,
  outputs: readonly AgentOutput[],
  models: ModelProvider,
  options: { signal?: AbortSignal; callbacks?: Callbacks } = {},
): Promise<SynthesisResult & { fallbackReason?: string }> {
  const model = models.chatModel("synthesis");
  if (outputs.length <= 1 || !model) return mergeOffline(outputs);
  const evidence = dedupeEvidence(outputs.flatMap((o) => o.evidence));
  const specialistAnswers = outputs.map((o) => `<specialist name="${o.agent}">\n${escapeEvidenceText(o.answer)}\n</specialist>`).join("\n");
  try {
    const reply = (await model.invoke(
      [
        new SystemMessage(`${SYNTHESIS_PROMPT}\n\n${DATA_POLICY}`),
        new HumanMessage(`<user_question>\n${escapeEvidenceText(question)}\n</user_question>\n${specialistAnswers}\n<evidence_list>\n${formatEvidence(evidence)}\n</evidence_list>`),
      ],
      { ...(options.signal ? { signal: options.signal } : {}), ...(options.callbacks ? { callbacks: options.callbacks } : {}) },
    )) as AIMessage;
    const answer = typeof reply.content === "string" ? reply.content : reply.content.map((p) => ("text" in p && typeof p.text === "string" ? p.text : "")).join("");
    const grounded = groundCitations(answer, evidence);
    const modelName = models.models.synthesis ?? "unknown";
    const usage = addUsage(ZERO_USAGE, usageOf(models.prices, modelName, reply.usage_metadata?.input_tokens ?? 0, reply.usage_metadata?.output_tokens ?? 0));
    return { answer, citations: grounded.citations, evidence, notFound: grounded.notFound, usage, model: modelName, used: outputs.map((o) => o.agent) };
  } catch (error) {
    if (options.signal?.aborted) throw error;
    return { ...mergeOffline(outputs), fallbackReason: `synthesis model failed: ${error instanceof Error ? error.message : String(error)}` };
  }
}
