import type { Callbacks } from "@langchain/core/callbacks/manager";
import type { Serialized } from "@langchain/core/load/serializable";
import type { BaseMessage } from "@langchain/core/messages";
import type { LLMResult } from "@langchain/core/outputs";
import { CallbackHandler } from "@langfuse/langchain";
import type { ModelPrices } from "../config.js";
import { costOf } from "../models/pricing.js";

/**
 * Langfuse's LangChain handler, given to each model call (not to the graph), so every model call
 * becomes a `generation` observation nested under the observation that made it (a specialist, the
 * router, synthesis), with the model, prompt, completion and token usage the handler records,
 * plus the cost from our price table, which the handler does not set.
 */
export class GenerationHandler extends CallbackHandler {
  /**
   * LangChain runs handlers in a background queue unless told to await them. Awaited, they run in
   * the caller's OpenTelemetry context, so a generation's parent is the observation that made the
   * call even when two specialists call models at the same time.
   */
  override awaitHandlers = true;
  /**
   * The runnables LangChain wraps around a model call (the router's structured output is a
   * RunnableSequence of maps, fallbacks and a parser) would add five structural spans per call;
   * without them the generation sits directly under the observation that made the call, whose
   * own status already reports a failed parse.
   */
  override ignoreChain = true;
  override ignoreAgent = true;
  override ignoreRetriever = true;
  private readonly requestedModels = new Map<string, string>();

  constructor(private readonly prices: ModelPrices) {
    super();
  }

  override async handleChatModelStart(
    llm: Serialized,
    messages: BaseMessage[][],
    runId: string,
    parentRunId?: string,
    extraParams?: Record<string, unknown>,
    tags?: string[],
    metadata?: Record<string, unknown>,
    name?: string,
  ): Promise<void> {
    const requested = (extraParams?.invocation_params as { model?: unknown } | undefined)?.model ?? metadata?.ls_model_name;
    if (typeof requested === "string") this.requestedModels.set(runId, requested);
    await super.handleChatModelStart(llm, messages, runId, parentRunId, extraParams, tags, metadata, name);
  }

  override async handleLLMEnd(output: LLMResult, runId: string, parentRunId?: string): Promise<void> {
    const costDetails = costDetailsOf(this.prices, output, this.requestedModels.get(runId));
    this.requestedModels.delete(runId);
    // The handler ends the generation inside handleLLMEnd, so the cost goes on before it does.
    if (costDetails) openGenerations(this)?.get(runId)?.update({ costDetails });
    await super.handleLLMEnd(output, runId, parentRunId);
  }

  override async handleLLMError(err: unknown, runId: string, parentRunId?: string): Promise<void> {
    this.requestedModels.delete(runId);
    await super.handleLLMError(err, runId, parentRunId);
  }
}

/** Callbacks for one model call: what `createServices` hands to the graphs as `modelCallbacks`. */
export function generationCallbacks(prices: ModelPrices): () => Callbacks {
  return () => [new GenerationHandler(prices)];
}

interface OpenGeneration {
  update(attributes: { costDetails: Record<string, number> }): unknown;
}

/**
 * The handler's map of open observations by LangChain run id. It is private in the SDK's types
 * (checked against @langfuse/langchain 5.11); tests/tracing-generations.test.ts fails if a new
 * version renames it, and until then the cost is simply missing, never an error.
 */
function openGenerations(handler: CallbackHandler): Map<string, OpenGeneration> | undefined {
  const runMap = (handler as unknown as { runMap?: unknown }).runMap;
  return runMap instanceof Map ? (runMap as Map<string, OpenGeneration>) : undefined;
}

interface TokenCounts {
  input: number;
  output: number;
}

/** Token counts as LangChain reports them: on the message (usage_metadata) or in llmOutput. */
function tokensOf(output: LLMResult): TokenCounts | undefined {
  const last = output.generations.at(-1)?.at(-1) as { message?: { usage_metadata?: { input_tokens?: number; output_tokens?: number } } } | undefined;
  const usage = last?.message?.usage_metadata;
  if (usage) return { input: usage.input_tokens ?? 0, output: usage.output_tokens ?? 0 };
  const legacy = output.llmOutput?.tokenUsage as { promptTokens?: number; completionTokens?: number } | undefined;
  return legacy ? { input: legacy.promptTokens ?? 0, output: legacy.completionTokens ?? 0 } : undefined;
}

/** The served model (it may carry a date suffix) or else the requested one, whichever has a price. */
function pricedModelOf(prices: ModelPrices, output: LLMResult, requested: string | undefined): string | undefined {
  const last = output.generations.at(-1)?.at(-1) as { message?: { response_metadata?: { model_name?: unknown } } } | undefined;
  const served = last?.message?.response_metadata?.model_name;
  const candidates = [typeof served === "string" ? served : undefined, requested];
  return candidates.find((model): model is string => model !== undefined && costOf(prices, model, 1_000_000, 1_000_000) > 0);
}

/** Cost in USD per usage type, as Langfuse expects it; undefined when tokens or price are unknown. */
export function costDetailsOf(prices: ModelPrices, output: LLMResult, requestedModel?: string): Record<string, number> | undefined {
  const tokens = tokensOf(output);
  const model = pricedModelOf(prices, output, requestedModel);
  if (!tokens || !model) return undefined;
  const input = costOf(prices, model, tokens.input, 0);
  const outputCost = costOf(prices, model, 0, tokens.output);
  return { input, output: outputCost, total: input + outputCost };
}
