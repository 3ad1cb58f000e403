import fastifyRateLimit, { type FastifyRateLimitStore, type FastifyRateLimitStoreCtor } from "@fastify/rate-limit";
import type { FastifyBaseLogger, FastifyInstance } from "fastify";
import { Redis } from "ioredis";
import type { AppConfig } from "../config.js";
import { AppError } from "../errors.js";
import { redactSecrets } from "../index/secrets.js";
import { isPublicRoute } from "./auth.js";

/**
 * A rate limit per caller: RATE_LIMIT_MAX requests per RATE_LIMIT_WINDOW for each API key (each
 * client IP when auth is off), answered with 429 RATE_LIMITED and Retry-After beyond it. The
 * counters live in Redis when REDIS_URL is set, so every replica enforces one shared limit, and in
 * process memory otherwise. Health and docs routes are not limited.
 *
 * A limiter must not take the service down with it: when Redis is unreachable, requests are let
 * through (fail open) and a warning is logged, at most once per REDIS_WARNING_INTERVAL_MS.
 */

/** How long a Redis command may take before the request goes through unlimited. */
const REDIS_COMMAND_TIMEOUT_MS = 500;
/** How long start-up waits for a first connection to Redis before serving without it. */
const REDIS_STARTUP_WAIT_MS = 2_000;
const REDIS_WARNING_INTERVAL_MS = 30_000;

/** Counts a request and returns the count and the window's remaining time; the window starts with the first request. */
const INCREMENT_SCRIPT = `
local current = redis.call('INCR', KEYS[1])
if current == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {current, ttl}
`;

/** Logs Redis trouble once per interval instead of once per request, and says when it is over. */
function redisTroubleLog(log: FastifyBaseLogger) {
  let lastWarning = -Infinity;
  let failing = false;
  return {
    failed(error: unknown) {
      failing = true;
      const now = Date.now();
      if (now - lastWarning < REDIS_WARNING_INTERVAL_MS) return;
      lastWarning = now;
      const reason = redactSecrets(error instanceof Error ? error.message : String(error));
      log.warn({ reason }, "rate limiting is failing open: Redis is unreachable, requests are let through unlimited");
    },
    succeeded() {
      if (!failing) return;
      failing = false;
      lastWarning = -Infinity;
      log.info("rate limiting on Redis again");
    },
  };
}

/**
 * A store for @fastify/rate-limit over Redis that reports failures before the plugin skips the
 * check (its `skipOnError` skips silently). Every route shares one counter per caller.
 */
function redisStore(redis: Redis, keyPrefix: string, trouble: ReturnType<typeof redisTroubleLog>): FastifyRateLimitStoreCtor {
  return class RedisCounterStore implements FastifyRateLimitStore {
    incr(key: string, callback: (error: Error | null, result?: { current: number; ttl: number }) => void, timeWindow: number): void {
      redis.eval(INCREMENT_SCRIPT, 1, `${keyPrefix}${key}`, timeWindow).then(
        (result) => {
          trouble.succeeded();
          const [current, ttl] = result as [number, number];
          callback(null, { current, ttl });
        },
        (error: Error) => {
          trouble.failed(error);
          callback(error);
        },
      );
    }

    child(): FastifyRateLimitStore {
      return this;
    }
  };
}

/**
 * A Redis client that fails fast: no offline queue (a command while disconnected fails at once
 * instead of waiting for a reconnect) and a short command timeout, while it keeps reconnecting in
 * the background.
 */
function connectRedis(url: string, trouble: ReturnType<typeof redisTroubleLog>): Redis {
  const redis = new Redis(url, { enableOfflineQueue: false, maxRetriesPerRequest: 0, commandTimeout: REDIS_COMMAND_TIMEOUT_MS, connectTimeout: REDIS_STARTUP_WAIT_MS });
  // Without a listener ioredis prints every connection error to the console.
  redis.on("error", (error) => trouble.failed(error));
  return redis;
}

function whenReady(redis: Redis, timeoutMs: number): Promise<boolean> {
  if (redis.status === "ready") return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => finish(false), timeoutMs);
    const onReady = () => finish(true);
    function finish(ready: boolean) {
      clearTimeout(timer);
      redis.off("ready", onReady);
      resolve(ready);
    }
    redis.once("ready", onReady);
  });
}

const describeWindow = (ms: number) => (ms % 60_000 === 0 ? `${ms / 60_000} minute(s)` : ms % 1_000 === 0 ? `${ms / 1_000} second(s)` : `${ms} ms`);

export function registerRateLimit(app: FastifyInstance, limits: AppConfig["limits"]): void {
  if (limits.rateLimitMax === 0) {
    app.log.warn("rate limiting is off (RATE_LIMIT_MAX=0)");
    return;
  }
  const trouble = redisTroubleLog(app.log);
  const redis = limits.redisUrl ? connectRedis(limits.redisUrl, trouble) : undefined;
  if (redis) {
    app.addHook("onReady", async () => {
      if (!(await whenReady(redis, REDIS_STARTUP_WAIT_MS))) trouble.failed(new Error(`no connection to Redis within ${REDIS_STARTUP_WAIT_MS} ms`));
    });
    app.addHook("onClose", async () => {
      // quit() waits for a reply a disconnected client will never get.
      if (redis.status === "ready") await redis.quit();
      else redis.disconnect();
    });
  }
  const window = describeWindow(limits.rateLimitWindowMs);
  app.register(fastifyRateLimit, {
    max: limits.rateLimitMax,
    timeWindow: limits.rateLimitWindowMs,
    keyGenerator: (request) => request.callerId ?? `ip:${request.ip}`,
    allowList: (request) => isPublicRoute(request),
    errorResponseBuilder: (_request, context) =>
      new AppError("RATE_LIMITED", `Rate limit of ${context.max} requests per ${window} exceeded; retry in ${context.after} (Retry-After).`),
    ...(redis ? { store: redisStore(redis, limits.redisKeyPrefix, trouble), skipOnError: true } : {}),
  });
}
