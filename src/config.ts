import path from "node:path";
import { fileURLToPath } from "node:url";
import { z } from "zod";

/**
 * Configuration is read from the environment once, validated here, and passed down.
 * No other module reads process.env.
 */

export const PROJECT_ROOT = fileURLToPath(new URL("..", import.meta.url));
export const SAMPLE_REPO_PATH = path.join(PROJECT_ROOT, "harness/fixtures/sample-repo");

const optionalString = z
  .string()
  .optional()
  .transform((v) => (v && v.trim() ? v.trim() : undefined));

const commaList = z
  .string()
  .optional()
  .transform((v) => (v ? v.split(",").map((s) => s.trim()).filter(Boolean) : []));

const boolean = (fallback: boolean) =>
  z
    .enum(["true", "false", "1", "0", "yes", "no", "on", "off", ""])
    .optional()
    .transform((v) => (v === undefined || v === "" ? fallback : ["true", "1", "yes", "on"].includes(v)));

const int = (fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER) => z.coerce.number().int().min(min).max(max).default(fallback);

/** Price per million tokens, per model; used to report cost. Unknown models cost 0 and say so in logs. */
export const ModelPricesSchema = z.record(z.string(), z.object({ input: z.number().nonnegative(), output: z.number().nonnegative() }));
export type ModelPrices = z.infer<typeof ModelPricesSchema>;

export const DEFAULT_MODEL_PRICES: ModelPrices = {
  "gpt-4o-mini": { input: 0.15, output: 0.6 },
  "gpt-4o": { input: 2.5, output: 10 },
  "gpt-4.1": { input: 2, output: 8 },
  "gpt-4.1-mini": { input: 0.4, output: 1.6 },
  "gpt-4.1-nano": { input: 0.1, output: 0.4 },
  "gpt-5": { input: 1.25, output: 10 },
  "gpt-5-mini": { input: 0.25, output: 2 },
  "gpt-5-nano": { input: 0.05, output: 0.4 },
};

const jsonPrices = z
  .string()
  .optional()
  .transform((value, ctx) => {
    if (!value) return {};
    try {
      const parsed = ModelPricesSchema.safeParse(JSON.parse(value));
      if (parsed.success) return parsed.data;
      ctx.addIssue({ code: "custom", message: `MODEL_PRICES: ${z.prettifyError(parsed.error)}` });
    } catch {
      ctx.addIssue({ code: "custom", message: 'MODEL_PRICES must be JSON like {"gpt-4o-mini":{"input":0.15,"output":0.6}} (USD per million tokens)' });
    }
    return z.NEVER;
  });

export const EnvSchema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  HOST: z.string().default("127.0.0.1"),
  PORT: int(8080, 0, 65535),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),

  REPO_PATH: z.string().default(SAMPLE_REPO_PATH),
  INDEX_CACHE_DIR: z.string().default(path.join(PROJECT_ROOT, ".cache/index")),
  INDEX_IGNORE: commaList,

  OPENAI_API_KEY: optionalString,
  OPENAI_BASE_URL: optionalString,
  ROUTER_MODEL: z.string().default("gpt-4o-mini"),
  SPECIALIST_MODEL: z.string().default("gpt-4o-mini"),
  SYNTHESIS_MODEL: z.string().default("gpt-4o-mini"),
  MODEL_PRICES: jsonPrices,
  MODEL_TIMEOUT_MS: int(30_000, 100),
  MODEL_MAX_RETRIES: int(2, 0, 10),

  ROUTER_MODEL_PATH: optionalString,
  ROUTER_LOW_CONFIDENCE: z.coerce.number().min(0).max(1).default(0.8),
  ANSWER_MIN_COVERAGE: z.coerce.number().min(0).max(1).default(0.35),
  SPECIALIST_TIMEOUT_MS: int(45_000, 100),
  SPECIALIST_MAX_ATTEMPTS: int(2, 1, 10),
  SPECIALIST_MAX_STEPS: int(8, 1, 20),
  REQUEST_TIMEOUT_MS: int(120_000, 100),

  LANGFUSE_PUBLIC_KEY: optionalString,
  LANGFUSE_SECRET_KEY: optionalString,
  LANGFUSE_BASE_URL: optionalString.pipe(z.url({ protocol: /^https?$/ }).optional()),
  /** Where people open Langfuse when it differs from LANGFUSE_BASE_URL (trace links in /ask results). */
  LANGFUSE_UI_URL: optionalString.pipe(z.url({ protocol: /^https?$/ }).optional()),
  /** The Langfuse project id, so trace links open the trace page directly. */
  LANGFUSE_PROJECT_ID: optionalString,
  LANGFUSE_TRACING_ENVIRONMENT: optionalString.pipe(
    z.string().max(40).regex(/^(?!langfuse)[a-z0-9_-]+$/, "lowercase letters, digits, _ and - only, not starting with langfuse (Langfuse ignores other values)").optional(),
  ),
  TRACE_CONSOLE: boolean(false),
});

export type Env = z.infer<typeof EnvSchema>;

export interface AppConfig {
  env: Env["NODE_ENV"];
  server: { host: string; port: number; logLevel: Env["LOG_LEVEL"]; requestTimeoutMs: number };
  repository: { path: string; cacheDirectory: string; extraIgnore: string[] };
  models: {
    provider: "offline" | "openai";
    apiKey?: string;
    baseUrl?: string;
    routerModel: string;
    specialistModel: string;
    synthesisModel: string;
    prices: ModelPrices;
    timeoutMs: number;
    maxRetries: number;
  };
  routing: { classifierPath?: string; lowConfidence: number };
  answers: { minCoverage: number };
  specialists: { timeoutMs: number; maxAttempts: number; maxSteps: number };
  tracing: { publicKey?: string; secretKey?: string; baseUrl?: string; uiUrl?: string; projectId?: string; environment?: string; console: boolean };
}

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConfigError";
  }
}

/** Validates the environment; throws ConfigError naming every bad variable. */
export function loadConfig(environment: NodeJS.ProcessEnv = process.env): AppConfig {
  const parsed = EnvSchema.safeParse(environment);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join(".") || "environment"}: ${issue.message}`);
    throw new ConfigError(`Invalid configuration:\n  ${problems.join("\n  ")}`);
  }
  const env = parsed.data;
  return {
    env: env.NODE_ENV,
    server: { host: env.HOST, port: env.PORT, logLevel: env.LOG_LEVEL, requestTimeoutMs: env.REQUEST_TIMEOUT_MS },
    repository: { path: path.resolve(env.REPO_PATH), cacheDirectory: path.resolve(env.INDEX_CACHE_DIR), extraIgnore: env.INDEX_IGNORE },
    models: {
      provider: env.OPENAI_API_KEY ? "openai" : "offline",
      ...(env.OPENAI_API_KEY ? { apiKey: env.OPENAI_API_KEY } : {}),
      ...(env.OPENAI_BASE_URL ? { baseUrl: env.OPENAI_BASE_URL } : {}),
      routerModel: env.ROUTER_MODEL,
      specialistModel: env.SPECIALIST_MODEL,
      synthesisModel: env.SYNTHESIS_MODEL,
      prices: { ...DEFAULT_MODEL_PRICES, ...env.MODEL_PRICES },
      timeoutMs: env.MODEL_TIMEOUT_MS,
      maxRetries: env.MODEL_MAX_RETRIES,
    },
    routing: { ...(env.ROUTER_MODEL_PATH ? { classifierPath: env.ROUTER_MODEL_PATH } : {}), lowConfidence: env.ROUTER_LOW_CONFIDENCE },
    answers: { minCoverage: env.ANSWER_MIN_COVERAGE },
    specialists: { timeoutMs: env.SPECIALIST_TIMEOUT_MS, maxAttempts: env.SPECIALIST_MAX_ATTEMPTS, maxSteps: env.SPECIALIST_MAX_STEPS },
    tracing: {
      ...(env.LANGFUSE_PUBLIC_KEY ? { publicKey: env.LANGFUSE_PUBLIC_KEY } : {}),
      ...(env.LANGFUSE_SECRET_KEY ? { secretKey: env.LANGFUSE_SECRET_KEY } : {}),
      ...(env.LANGFUSE_BASE_URL ? { baseUrl: env.LANGFUSE_BASE_URL } : {}),
      ...(env.LANGFUSE_UI_URL ? { uiUrl: env.LANGFUSE_UI_URL } : {}),
      ...(env.LANGFUSE_PROJECT_ID ? { projectId: env.LANGFUSE_PROJECT_ID } : {}),
      ...(env.LANGFUSE_TRACING_ENVIRONMENT ? { environment: env.LANGFUSE_TRACING_ENVIRONMENT } : {}),
      console: env.TRACE_CONSOLE,
    },
  };
}
