import type { ModelPrices } from "../config.js";
import type { Usage } from "../contract.js";

/** Cost of one call in USD from a price table in USD per million tokens; unknown models cost 0. */
export function costOf(prices: ModelPrices, model: string, inputTokens: number, outputTokens: number): number {
  const price = prices[model] ?? prices[model.replace(/-\d{4}-\d{2}-\d{2}$/, "")];
  if (!price) return 0;
  return (inputTokens * price.input + outputTokens * price.output) / 1_000_000;
}

export function usageOf(prices: ModelPrices, model: string, inputTokens: number, outputTokens: number): Usage {
  return { inputTokens, outputTokens, costUsd: costOf(prices, model, inputTokens, outputTokens) };
}
