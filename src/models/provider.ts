import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import type { ModelPrices } from "../config.js";

export type ModelRole = "router" | "specialist" | "synthesis";

/**
 * Where answers come from: `offline` (a local classifier and extractive specialists, no model) or
 * `openai` (chat models over any OpenAI-compatible API). Graph nodes ask the provider for a chat
 * model per role and fall back to the offline behaviour when there is none.
 */
export interface ModelProvider {
  readonly kind: "offline" | "openai";
  readonly prices: ModelPrices;
  /** The model name per role, for results, traces and run manifests. */
  readonly models: Readonly<Record<ModelRole, string | null>>;
  chatModel(role: ModelRole): BaseChatModel | undefined;
}

export const offlineProvider: ModelProvider = {
  kind: "offline",
  prices: {},
  models: { router: null, specialist: null, synthesis: null },
  chatModel: () => undefined,
};
