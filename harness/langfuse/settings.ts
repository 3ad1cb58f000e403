import { ConfigError, loadConfig, type AppConfig } from "../../src/config.js";
import { LANGFUSE_CLOUD_URL } from "../../src/tracing/trace-link.js";

/** How the harness reaches Langfuse's public API. Present only when both keys are configured. */
export interface LangfuseSettings {
  publicKey: string;
  secretKey: string;
  /** No trailing slash. */
  baseUrl: string;
  /** LANGFUSE_TRACING_ENVIRONMENT: scores carry the same environment as the traces they grade. */
  environment?: string;
  /** Time one HTTP attempt may take. */
  requestTimeoutMs: number;
  /** Retries of one request on 408/429/5xx (the SDK's backoff: 1 s, 2 s, or Retry-After). */
  maxRetries: number;
}

/** Either settings to use, or the one sentence saying why Langfuse export is off. */
export type LangfuseAvailability = { settings: LangfuseSettings } | { off: string };

const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;
const DEFAULT_MAX_RETRIES = 2;

export function langfuseAvailability(
  tracing: AppConfig["tracing"],
  overrides: Partial<Pick<LangfuseSettings, "requestTimeoutMs" | "maxRetries">> = {},
): LangfuseAvailability {
  const { publicKey, secretKey } = tracing;
  if (!publicKey || !secretKey) {
    const missing = [publicKey ? "" : "LANGFUSE_PUBLIC_KEY", secretKey ? "" : "LANGFUSE_SECRET_KEY"].filter(Boolean);
    return { off: `${missing.join(" and ")} not set` };
  }
  return {
    settings: {
      publicKey,
      secretKey,
      baseUrl: (tracing.baseUrl ?? LANGFUSE_CLOUD_URL).replace(/\/+$/, ""),
      ...(tracing.environment ? { environment: tracing.environment } : {}),
      requestTimeoutMs: overrides.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
      maxRetries: overrides.maxRetries ?? DEFAULT_MAX_RETRIES,
    },
  };
}

/**
 * Reads the Langfuse keys through the one configuration loader. An invalid environment turns the
 * export off (with the reason) instead of failing a command whose results on disk do not need it.
 */
export function langfuseAvailabilityFromEnvironment(
  environment: NodeJS.ProcessEnv = process.env,
  overrides: Partial<Pick<LangfuseSettings, "requestTimeoutMs" | "maxRetries">> = {},
): LangfuseAvailability {
  try {
    return langfuseAvailability(loadConfig(environment).tracing, overrides);
  } catch (error) {
    if (error instanceof ConfigError) return { off: `the configuration is invalid (${error.message.replace(/\s*\n\s*/g, "; ")})` };
    throw error;
  }
}
