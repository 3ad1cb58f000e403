import type { Runtime } from "@langchain/langgraph";
import { AppError } from "../../src/errors.js";
import { withSpan } from "../../src/tracing/spans.js";
import { synthesize } from "../../specialists/synthesis.js";
import { runContextOf, type GraphDependencies } from "../context.js";
import { modelCallbacksFor } from "./agent-node.js";
import type { AskStateUpdate, AskStateValue } from "../state.js";
import { yieldToEventLoop } from "./fair-share.js";

/** Synthesis: merges what the specialists found into the final answer with its citations. */
export function synthesizeNode(deps: GraphDependencies) {
  return (state: AskStateValue, runtime: Runtime): Promise<AskStateUpdate> =>
    withSpan("synthesize", "chain", async (span) => {
      await yieldToEventLoop();
      span.update({ input: { question: state.question, specialistOutputs: state.specialistOutputs.map((o) => ({ agent: o.agent, answer: o.answer, citations: o.citations, notFound: o.notFound, coverage: o.coverage })) } });
      if (state.specialistOutputs.length === 0) {
        const reasons = state.failures.map((f) => `${f.node}: ${f.error}`).join("; ");
        throw new AppError("PIPELINE_FAILED", `No specialist could answer: ${reasons || "none ran"}.`, true);
      }
      const callbacks = modelCallbacksFor(runtime, deps)?.();
      const result = await synthesize(state.question, state.specialistOutputs, deps.models, { signal: runtime.signal, ...(callbacks ? { callbacks } : {}) });
      span.update({
        output: { answer: result.answer, citations: result.citations, notFound: result.notFound, used: result.used },
        ...(result.fallbackReason ? { level: "WARNING" as const, statusMessage: result.fallbackReason } : {}),
        ...(result.model ? { model: result.model } : {}),
      });
      return {
        finalAnswer: result.answer,
        citations: result.citations,
        notFound: result.notFound,
        usage: [{ node: "synthesize", model: result.model, ...result.usage }],
        warnings: result.fallbackReason ? [result.fallbackReason] : [],
      };
    });
}
