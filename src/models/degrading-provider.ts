import { AsyncLocalStorage } from "node:async_hooks";
import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { CallOutcomeHandler } from "./call-outcome-handler.js";
import type { CircuitBreaker } from "./circuit-breaker.js";
import type { ModelProvider, ModelRole } from "./provider.js";
import type { Router } from "./routing.js";

/**
 * Degradation to the offline provider while the model provider's circuit is open. Graph nodes
 * already answer offline when `chatModel(role)` returns undefined (the local classifier routes,
 * specialists compose extractive answers, synthesis merges without a model), so the wrapper only
 * has to return undefined while the breaker refuses calls, and note that it did for the request.
 */

/** What one request learned about degradation; set by `recordDegradation`, read by nothing else. */
interface DegradationRecord {
  reason?: string;
}

const currentRequest = new AsyncLocalStorage<DegradationRecord>();

/**
 * Runs one request's work and returns why it was degraded, if it was: whether any model it asked
 * for was withheld by an open circuit. The record follows the request through the graph's nodes
 * (AsyncLocalStorage), so concurrent requests do not see each other's.
 */
export async function recordDegradation<T>(work: () => Promise<T>): Promise<{ value: T; degradedReason?: string }> {
  const record: DegradationRecord = {};
  const value = await currentRequest.run(record, work);
  return record.reason ? { value, degradedReason: record.reason } : { value };
}

/** A provider that withholds its chat models while its circuit breaker is open. */
export class DegradingProvider implements ModelProvider {
  readonly kind: ModelProvider["kind"];
  readonly prices: ModelProvider["prices"];
  readonly models: ModelProvider["models"];
  private readonly primary: ModelProvider;

  /**
   * `createPrimary` receives the callback handler to attach to its chat models, through which the
   * breaker learns the outcome of every call.
   */
  constructor(
    createPrimary: (outcomes: CallOutcomeHandler) => ModelProvider,
    readonly circuit: CircuitBreaker,
  ) {
    this.primary = createPrimary(new CallOutcomeHandler(circuit));
    this.kind = this.primary.kind;
    this.prices = this.primary.prices;
    this.models = this.primary.models;
  }

  chatModel(role: ModelRole): BaseChatModel | undefined {
    if (this.circuit.allowsCall()) return this.primary.chatModel(role);
    const record = currentRequest.getStore();
    if (record) record.reason ??= this.circuit.describe();
    return undefined;
  }
}

/** The circuit breaker of a provider, when it has one. */
export function circuitOf(provider: ModelProvider): CircuitBreaker | undefined {
  return provider instanceof DegradingProvider ? provider.circuit : undefined;
}

/**
 * The model router while the provider hands out a router model, the local classifier otherwise.
 * The model router holds its model from start-up, so without this gate it would keep calling a
 * provider whose circuit is open.
 */
export function routeWithModelWhileAvailable(models: ModelProvider, modelRouter: Router, classifier: Router): Router {
  return {
    decide: (question, options) => (models.chatModel("router") ? modelRouter.decide(question, options) : classifier.decide(question, options)),
  };
}
