import { BaseCallbackHandler } from "@langchain/core/callbacks/base";
import type { Serialized } from "@langchain/core/load/serializable";
import type { BaseMessage } from "@langchain/core/messages";
import type { CircuitBreaker } from "./circuit-breaker.js";

/**
 * Reports the outcome of every chat model call to a circuit breaker. Attached to the models
 * themselves (constructor callbacks), so the router, the specialists and synthesis are all counted
 * without each of them reporting. LangChain calls `handleLLMError` once per call, after the
 * client's retries, so a call that succeeded on its second attempt is one success.
 *
 * A call aborted by its caller (the client left, the request deadline passed) says nothing about
 * the provider and is not counted; the call's own AbortSignal tells an abort from a failure.
 */
export class CallOutcomeHandler extends BaseCallbackHandler {
  readonly name = "circuit_breaker_outcomes";
  private readonly signals = new Map<string, AbortSignal | undefined>();

  constructor(private readonly breaker: CircuitBreaker) {
    // Awaited, so the breaker has counted a failure before the caller sees it (and asks again).
    super({ _awaitHandler: true });
  }

  override handleChatModelStart(_llm: Serialized, _messages: BaseMessage[][], runId: string, _parentRunId?: string, extraParams?: Record<string, unknown>): void {
    const options = extraParams?.options as { signal?: AbortSignal } | undefined;
    this.signals.set(runId, options?.signal);
  }

  override handleLLMEnd(_output: unknown, runId: string): void {
    this.signals.delete(runId);
    this.breaker.recordSuccess();
  }

  override handleLLMError(error: Error, runId: string): void {
    const signal = this.signals.get(runId);
    this.signals.delete(runId);
    if (signal?.aborted || error?.name === "AbortError") return;
    this.breaker.recordFailure(error);
  }
}
