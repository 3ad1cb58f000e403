import { readFileSync } from "node:fs";
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

/** A duration: milliseconds, or a number with ms, s, m or h ("60000", "30s", "1m"). */
const DURATION_UNITS_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 } as const;
const duration = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((value, ctx) => {
      const match = /^\s*(\d+)\s*(ms|s|m|h)?\s*$/.exec(value);
      if (match && Number(match[1]) > 0) return Number(match[1]) * DURATION_UNITS_MS[(match[2] ?? "ms") as keyof typeof DURATION_UNITS_MS];
      ctx.addIssue({ code: "custom", message: 'must be a positive duration like "60000" (ms), "30s", "1m" or "1h"' });
      return z.NEVER;
    });

/** Shorter keys are refused: a guessable key is no key. */
export const MIN_API_KEY_LENGTH = 16;

/** API keys from API_KEYS (comma-separated) and API_KEYS_FILE (one per line, `#` starts a comment line). */
function readApiKeys(env: { API_KEYS?: string; API_KEYS_FILE?: string }): string[] {
  const fromEnv = (env.API_KEYS ?? "").split(",");
  let fromFile: string[] = [];
  if (env.API_KEYS_FILE) {
    try {
      fromFile = readFileSync(env.API_KEYS_FILE, "utf8").split(/\r?\n/).filter((line) => !line.trim().startsWith("#"));
    } catch (error) {
      throw new ConfigError(`Invalid configuration:\n  API_KEYS_FILE: cannot read ${env.API_KEYS_FILE} (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
    }
  }
  const keys = [...fromEnv, ...fromFile].map((key) => key.trim()).filter(Boolean);
  // The keys themselves never appear in a message: only where the bad one is.
  const bad = keys.findIndex((key) => key.length < MIN_API_KEY_LENGTH || /\s/.test(key));
  if (bad >= 0) throw new ConfigError(`Invalid configuration:\n  API_KEYS / API_KEYS_FILE: key #${bad + 1} is shorter than ${MIN_API_KEY_LENGTH} characters or contains whitespace`);
  return [...new Set(keys)];
}

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

  /** Threads and other service state: this SQLite file (`:memory:` for a throwaway one), unless DATABASE_URL is set. */
  STATE_DB_PATH: z.string().min(1).default(path.join(PROJECT_ROOT, ".cache/state.sqlite")),
  /** PostgreSQL for the service state, shared by every replica (e.g. postgres://user:password@host:5432/db). */
  DATABASE_URL: optionalString.pipe(z.url({ protocol: /^postgres(ql)?$/, error: "must be a postgres:// or postgresql:// URL" }).optional()),
  DATABASE_SCHEMA: z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/, "must be a lowercase SQL identifier (letters, digits, _)").default("public"),
  /** Earlier turns of a thread carried into a question's context: the newest that fit this many tokens. */
  THREAD_CONTEXT_TOKENS: int(2000, 0, 100_000),

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

  /** `on`: every route but health and docs needs an API key; `off`: none does. Unset: on when keys are configured. */
  AUTH: z.enum(["on", "off"], { error: "must be on or off" }).optional(),
  API_KEYS: optionalString,
  API_KEYS_FILE: optionalString,
  /** Requests per RATE_LIMIT_WINDOW per API key (per client IP when auth is off); 0 turns rate limiting off. */
  RATE_LIMIT_MAX: int(60, 0),
  RATE_LIMIT_WINDOW: duration("1m"),
  /** Rate-limit counters live here when set (shared by every replica); in process memory otherwise. */
  REDIS_URL: optionalString.pipe(z.url({ protocol: /^rediss?$/ }).optional()),
  RATE_LIMIT_REDIS_PREFIX: z.string().min(1).default("repo-qa:rate-limit:"),
  MAX_IN_FLIGHT: int(64, 1),
  MODEL_CIRCUIT_FAILURES: int(3, 1, 1000),
  MODEL_CIRCUIT_COOLDOWN_MS: int(30_000, 10),

  /** Comment lines sent on an open event stream this often, so proxies and clients know it is alive. */
  SSE_HEARTBEAT_INTERVAL: duration("15s"),
  /** Background jobs (POST /jobs) this process runs at once; 0: it accepts and serves jobs but runs none. */
  JOB_WORKERS: int(2, 0, 64),
  /** How long a running job is held without a heartbeat; past it, another replica re-queues the job. */
  JOB_LEASE: duration("30s"),
  /** How often idle workers look for queued jobs, running jobs renew their lease and check for cancellation, and event streams check for new events. */
  JOB_POLL_INTERVAL: duration("1s"),
  /** Runs a job gets when the process running it dies; then it fails. */
  JOB_MAX_ATTEMPTS: int(3, 1, 10),
  /** Finished jobs and their events are deleted this long after they finish. */
  JOB_RETENTION: duration("24h"),
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
    /** After `failureThreshold` consecutive failed model calls, answer offline for `cooldownMs`, then try the model again. */
    circuitBreaker: { failureThreshold: number; cooldownMs: number };
  };
  /** `required: false` says why (AUTH=off, or no keys configured), for the start-up warning. */
  auth: { required: true; apiKeys: string[] } | { required: false; apiKeys: []; disabledBecause: string };
  limits: { rateLimitMax: number; rateLimitWindowMs: number; redisUrl?: string; redisKeyPrefix: string; maxInFlight: number };
  routing: { classifierPath?: string; lowConfidence: number };
  answers: { minCoverage: number };
  specialists: { timeoutMs: number; maxAttempts: number; maxSteps: number };
  /** Where the service state lives. The URL may hold a password: never log it. */
  store: { kind: "sqlite"; path: string } | { kind: "postgres"; url: string; schema: string };
  threads: { contextTokens: number };
  streaming: { heartbeatMs: number };
  jobs: { workers: number; leaseMs: number; pollIntervalMs: number; maxAttempts: number; retentionMs: number };
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
  const apiKeys = readApiKeys(env);
  if (env.AUTH === "on" && apiKeys.length === 0) throw new ConfigError("Invalid configuration:\n  AUTH: is on but no API keys are configured; set API_KEYS or API_KEYS_FILE");
  // A lease renewed every poll interval must survive a few missed renewals before another replica takes the job.
  if (env.JOB_LEASE < 3 * env.JOB_POLL_INTERVAL) throw new ConfigError("Invalid configuration:\n  JOB_LEASE: must be at least three times JOB_POLL_INTERVAL");
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
      circuitBreaker: { failureThreshold: env.MODEL_CIRCUIT_FAILURES, cooldownMs: env.MODEL_CIRCUIT_COOLDOWN_MS },
    },
    auth:
      env.AUTH === "off" || apiKeys.length === 0
        ? { required: false, apiKeys: [], disabledBecause: env.AUTH === "off" ? "AUTH=off" : "no API keys are configured (API_KEYS, API_KEYS_FILE)" }
        : { required: true, apiKeys },
    limits: {
      rateLimitMax: env.RATE_LIMIT_MAX,
      rateLimitWindowMs: env.RATE_LIMIT_WINDOW,
      ...(env.REDIS_URL ? { redisUrl: env.REDIS_URL } : {}),
      redisKeyPrefix: env.RATE_LIMIT_REDIS_PREFIX,
      maxInFlight: env.MAX_IN_FLIGHT,
    },
    routing: { ...(env.ROUTER_MODEL_PATH ? { classifierPath: env.ROUTER_MODEL_PATH } : {}), lowConfidence: env.ROUTER_LOW_CONFIDENCE },
    answers: { minCoverage: env.ANSWER_MIN_COVERAGE },
    specialists: { timeoutMs: env.SPECIALIST_TIMEOUT_MS, maxAttempts: env.SPECIALIST_MAX_ATTEMPTS, maxSteps: env.SPECIALIST_MAX_STEPS },
    store: env.DATABASE_URL
      ? { kind: "postgres", url: env.DATABASE_URL, schema: env.DATABASE_SCHEMA }
      : { kind: "sqlite", path: env.STATE_DB_PATH === ":memory:" ? env.STATE_DB_PATH : path.resolve(env.STATE_DB_PATH) },
    threads: { contextTokens: env.THREAD_CONTEXT_TOKENS },
    streaming: { heartbeatMs: env.SSE_HEARTBEAT_INTERVAL },
    jobs: { workers: env.JOB_WORKERS, leaseMs: env.JOB_LEASE, pollIntervalMs: env.JOB_POLL_INTERVAL, maxAttempts: env.JOB_MAX_ATTEMPTS, retentionMs: env.JOB_RETENTION },
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
