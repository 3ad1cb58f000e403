import { ChatOpenAI } from "@langchain/openai";
import type { BaseCallbackHandler } from "@langchain/core/callbacks/base";
import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import type { AppConfig } from "../../config.js";
import type { ModelProvider, ModelRole } from "../provider.js";
import { retryOnlyTransientFailures } from "./retry-policy.js";

/**
 * Chat models over the OpenAI API or any OpenAI-compatible server (vLLM, Ollama, LM Studio) when
 * OPENAI_BASE_URL points there. One model per role; the client retries 429 and 5xx with backoff
 * (see retry-policy.ts). `callbacks` are attached to every model, so they see every call.
 */
export function createOpenAIProvider(models: AppConfig["models"], callbacks: BaseCallbackHandler[] = []): ModelProvider {
  const names: Record<ModelRole, string> = { router: models.routerModel, specialist: models.specialistModel, synthesis: models.synthesisModel };
  const cache = new Map<ModelRole, BaseChatModel>();
  return {
    kind: "openai",
    prices: models.prices,
    models: names,
    chatModel(role) {
      let model = cache.get(role);
      if (!model) {
        model = new ChatOpenAI({
          model: names[role],
          apiKey: models.apiKey ?? "",
          timeout: models.timeoutMs,
          maxRetries: models.maxRetries,
          onFailedAttempt: retryOnlyTransientFailures,
          ...(callbacks.length ? { callbacks } : {}),
          ...(models.baseUrl ? { configuration: { baseURL: models.baseUrl } } : {}),
        });
        cache.set(role, model);
      }
      return model;
    },
  };
}
