import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { postgresDatabase, type TestDatabase } from "./helpers/state-db.js";
import { startServiceProcess, type ServiceProcess } from "./helpers/service-process.js";
import { eventually } from "./helpers/streaming.js";

/**
 * Replicas as they are deployed: separate service processes (`src/server/main.ts`, as `npm start`
 * runs it) on their own ports, sharing only the machine's PostgreSQL (threads, jobs) and Redis (the
 * rate limit). Nothing is shared in memory, so whatever one replica knows the other learned from
 * the store.
 */

const REDIS_URL = "redis://127.0.0.1:6379";
const CALLER_KEY = `replica-test-key-${randomBytes(8).toString("hex")}`;
const LIMITED_KEY = `replica-limit-key-${randomBytes(8).toString("hex")}`;
const RATE_LIMIT_MAX = 40;

let database: TestDatabase;
let directory: string;
const redisPrefix = `repo-qa-test:${process.pid}:${randomBytes(4).toString("hex")}:`;
const started: ServiceProcess[] = [];
let first: ServiceProcess;
let second: ServiceProcess;

/** A replica on the shared store and Redis; `workers` 0 accepts and serves jobs without running any. */
async function startReplica(workers: number): Promise<ServiceProcess> {
  const service = await startServiceProcess({
    ...database.env,
    REDIS_URL,
    RATE_LIMIT_REDIS_PREFIX: redisPrefix,
    RATE_LIMIT_MAX: String(RATE_LIMIT_MAX),
    RATE_LIMIT_WINDOW: "10m",
    API_KEYS: `${CALLER_KEY},${LIMITED_KEY}`,
    INDEX_CACHE_DIR: path.join(directory, "index"),
    JOB_WORKERS: String(workers),
    JOB_POLL_INTERVAL: "100ms",
    JOB_LEASE: "1s",
  });
  started.push(service);
  return service;
}

async function call(replica: ServiceProcess, method: string, route: string, body?: unknown, key = CALLER_KEY) {
  const response = await fetch(`${replica.url}${route}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as Record<string, any>) : {} };
}

beforeAll(async () => {
  database = await postgresDatabase();
  directory = await mkdtemp(path.join(tmpdir(), "replicas-"));
  // One at a time: the first migrates the schema and fills the index cache the second reuses.
  first = await startReplica(0);
  second = await startReplica(0);
}, 120_000);

afterAll(async () => {
  for (const service of started) service.child.kill("SIGKILL");
  await Promise.all(started.map((service) => service.exited));
  const redis = new Redis(REDIS_URL);
  const keys = await redis.keys(`${redisPrefix}*`);
  if (keys.length) await redis.del(...keys);
  redis.disconnect();
  await database?.cleanup();
  await rm(directory, { recursive: true, force: true });
});

describe("two service processes on one PostgreSQL and one Redis", () => {
  it("are separate processes on separate ports", () => {
    expect(first.child.pid).not.toBe(second.child.pid);
    expect(first.url).not.toBe(second.url);
  });

  it("continue on one replica a thread begun on the other", async () => {
    const threadId = `replica-thread-${randomBytes(4).toString("hex")}`;
    const opening = await call(first, "POST", "/ask", { question: "How is the HMAC signature computed?", threadId });
    expect(opening.status).toBe(200);
    expect(opening.body.citations.map((c: { path: string }) => c.path)).toContain("src/signing/hmac.ts");

    // "it" means the signature only to a replica that reads the first turn from the shared store.
    const followUp = await call(second, "POST", "/ask", { question: "And where is it tested?", threadId });
    expect(followUp.status).toBe(200);
    expect(followUp.body.citations.map((c: { path: string }) => c.path)).toContain("tests/hmac.test.ts");

    const thread = await call(first, "GET", `/threads/${threadId}`);
    expect(thread.body.turns.map((turn: { question: string }) => turn.question)).toEqual(["How is the HMAC signature computed?", "And where is it tested?"]);
    expect((await call(second, "DELETE", `/threads/${threadId}`)).status).toBe(204);
    expect((await call(first, "GET", `/threads/${threadId}`)).status).toBe(404);
  });

  it("show, cancel and complete on one replica a job accepted by the other", { timeout: 120_000 }, async () => {
    const accepted = await call(first, "POST", "/jobs", { question: "Which third-party Python packages does the worker depend on?" });
    expect(accepted.status).toBe(202);
    // No replica runs jobs yet: the job waits in the queue, where both see it.
    expect((await call(second, "GET", `/jobs/${accepted.body.jobId}`)).body.status).toBe("queued");
    const cancelled = await call(second, "POST", `/jobs/${accepted.body.jobId}/cancel`);
    expect(cancelled.body.status).toBe("cancelled");
    expect((await call(first, "GET", `/jobs/${accepted.body.jobId}`)).body.status).toBe("cancelled");

    const toRun = await call(first, "POST", "/jobs", { question: "What does TokenBucket.tryRemove do when there aren't enough tokens left?" });
    expect(toRun.status).toBe(202);
    // A third process with a worker joins and runs it; the replica that accepted it reports the result.
    await startReplica(1);
    const finished = await eventually(async () => {
      const job = await call(first, "GET", `/jobs/${toRun.body.jobId}`);
      return job.body.status === "succeeded" ? job.body : undefined;
    }, "the job to be run by the replica with a worker", 60_000);
    expect(finished.result.citations.map((c: { path: string }) => c.path)).toContain("src/ratelimit/tokenBucket.ts");
    expect((await call(second, "GET", `/jobs/${toRun.body.jobId}`)).body.result.answer).toBe(finished.result.answer);
    // The cancelled job stayed cancelled: the new worker did not pick it up.
    expect((await call(second, "GET", `/jobs/${accepted.body.jobId}`)).body.status).toBe("cancelled");
  });

  it("share one rate limit per API key", async () => {
    // Half the limit on each replica: a per-process limit would let every request through.
    const statuses: number[] = [];
    for (let i = 0; i < RATE_LIMIT_MAX; i++) statuses.push((await call(i % 2 ? second : first, "GET", "/threads/no-such-thread", undefined, LIMITED_KEY)).status);
    expect(statuses).toEqual(Array.from({ length: RATE_LIMIT_MAX }, () => 404));
    for (const replica of [first, second]) {
      const limited = await call(replica, "GET", "/threads/no-such-thread", undefined, LIMITED_KEY);
      expect(limited.status).toBe(429);
      expect(limited.body.error.code).toBe("RATE_LIMITED");
    }
    // Another key's budget is its own.
    expect((await call(first, "GET", "/threads/no-such-thread")).status).toBe(404);
  });
});
