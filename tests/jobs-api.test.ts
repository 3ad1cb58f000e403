import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createServices, type AppServices } from "../src/app.js";
import { loadConfig } from "../src/config.js";
import { AskResultSchema, type RunEvent } from "../src/contract.js";
import { buildServer, type ApiServer } from "../src/server/app.js";
import { sqliteDatabase, type TestDatabase } from "./helpers/state-db.js";
import { eventually, heldSpecialist, openSse } from "./helpers/streaming.js";

/** POST /jobs and friends over real HTTP, offline, on the sample repository and a SQLite store. */

const KEY_A = "jobs-test-key-a-0123456789";
const KEY_B = "jobs-test-key-b-0123456789";
const as = (key: string) => ({ authorization: `Bearer ${key}` });

const CODE_QUESTION = "What does TokenBucket.tryRemove do when there aren't enough tokens left?";
/** Routed to `general` alone, which the tests can hold. */
const GENERAL_QUESTION = "Which third-party Python packages does the worker depend on?";

const held = heldSpecialist();
let database: TestDatabase;
let cacheDirectory: string;
let services: AppServices;
let app: ApiServer;
let baseUrl: string;

beforeAll(async () => {
  database = await sqliteDatabase();
  cacheDirectory = await mkdtemp(path.join(tmpdir(), "jobs-api-index-"));
  const config = loadConfig({
    ...database.env,
    INDEX_CACHE_DIR: cacheDirectory,
    API_KEYS: `${KEY_A},${KEY_B}`,
    LOG_LEVEL: "silent",
    JOB_WORKERS: "1",
    JOB_POLL_INTERVAL: "100ms",
    JOB_LEASE: "2s",
    // Tests poll job status; the rate limit has its own tests.
    RATE_LIMIT_MAX: "0",
  });
  services = await createServices(config, { specialists: { general: held } });
  app = buildServer({ config, services, logger: false });
  baseUrl = await app.listen({ host: "127.0.0.1", port: 0 });
  held.release();
});

afterAll(async () => {
  held.release();
  await app?.close();
  await services?.close();
  await database?.cleanup();
  await rm(cacheDirectory, { recursive: true, force: true });
});

interface JsonResponse {
  status: number;
  headers: Headers;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

async function call(method: string, url: string, { key = KEY_A, body, headers = {} }: { key?: string | null; body?: unknown; headers?: Record<string, string> } = {}): Promise<JsonResponse> {
  const response = await fetch(`${baseUrl}${url}`, {
    method,
    headers: { ...(key ? as(key) : {}), ...(body !== undefined ? { "content-type": "application/json" } : {}), ...headers },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  return { status: response.status, headers: response.headers, body: await response.json() };
}

const submit = (question: string, options: { key?: string; idempotencyKey?: string } = {}) =>
  call("POST", "/jobs", { key: options.key ?? KEY_A, body: { question }, headers: options.idempotencyKey ? { "idempotency-key": options.idempotencyKey } : {} });

const statusOf = async (jobId: string, key = KEY_A) => (await call("GET", `/jobs/${jobId}`, { key })).body;

const finished = (jobId: string, key = KEY_A) =>
  eventually(async () => {
    const job = await statusOf(jobId, key);
    return ["succeeded", "failed", "cancelled"].includes(job.status) ? job : undefined;
  }, `job ${jobId} to finish`);

const events = async (jobId: string, lastEventId?: number) =>
  (await openSse(`${baseUrl}/jobs/${jobId}/events`, { headers: { ...as(KEY_A), ...(lastEventId !== undefined ? { "last-event-id": String(lastEventId) } : {}) } })).events();

describe("jobs", () => {
  it("accepts a job at once with links to it, and answers it in the background", async () => {
    const accepted = await submit(CODE_QUESTION);
    expect(accepted.status).toBe(202);
    const { jobId } = accepted.body;
    expect(accepted.body).toEqual({ jobId, status: "queued", statusUrl: `/jobs/${jobId}`, eventsUrl: `/jobs/${jobId}/events`, cancelUrl: `/jobs/${jobId}/cancel` });
    expect(accepted.headers.get("location")).toBe(`/jobs/${jobId}`);

    const job = await finished(jobId);
    expect(job).toMatchObject({ jobId, status: "succeeded", attempts: 1, cancelRequested: false, progress: { step: "finished", label: "Answered" } });
    expect(job.error).toBeUndefined();
    const result = AskResultSchema.parse(job.result);
    expect(result).toMatchObject({ route: "code", pipeline: "orchestrated", notFound: false });
    expect(result.citations.map((citation) => citation.path)).toContain("src/ratelimit/tokenBucket.ts");
    expect(Date.parse(job.createdAt)).toBeLessThanOrEqual(Date.parse(job.startedAt));
    expect(Date.parse(job.startedAt)).toBeLessThanOrEqual(Date.parse(job.finishedAt));
  });

  it("returns the same job for the same Idempotency-Key, per caller", async () => {
    const first = await submit(CODE_QUESTION, { idempotencyKey: "order-42" });
    const again = await submit(CODE_QUESTION, { idempotencyKey: "order-42" });
    expect(first.status).toBe(202);
    expect(again.status).toBe(200);
    expect(again.body.jobId).toBe(first.body.jobId);

    const otherCaller = await submit(CODE_QUESTION, { key: KEY_B, idempotencyKey: "order-42" });
    expect(otherCaller.status).toBe(202);
    expect(otherCaller.body.jobId).not.toBe(first.body.jobId);

    const reused = await submit("A different question", { idempotencyKey: "order-42" });
    expect(reused.status).toBe(409);
    expect(reused.body.error.code).toBe("IDEMPOTENCY_KEY_REUSED");

    const badKey = await submit(CODE_QUESTION, { idempotencyKey: "has spaces" });
    expect(badKey.status).toBe(400);
    expect(badKey.body.error.message).toContain("idempotency-key");
    await finished(first.body.jobId);
    await finished(otherCaller.body.jobId, KEY_B);
  });

  it("streams a job's events live, and replays those after Last-Event-ID on reconnect", async () => {
    const { jobId } = (await submit(CODE_QUESTION)).body;
    const live = await events(jobId);
    const ids = live.map((frame) => frame.id!);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(new Set(ids).size).toBe(ids.length);
    const types = live.map((frame) => frame.event.type);
    expect(types.indexOf("route")).toBeLessThan(types.indexOf("tool"));
    expect(types.indexOf("tool")).toBeLessThan(types.indexOf("evidence"));
    expect(types.slice(-2)).toEqual(["answer", "done"]);
    const answer = live.at(-2)!.event as Extract<RunEvent, { type: "answer" }>;
    expect(answer.result).toEqual((await statusOf(jobId)).result);

    const middle = ids[Math.floor(ids.length / 2)]!;
    const replayed = await events(jobId, middle);
    expect(replayed).toEqual(live.filter((frame) => frame.id! > middle));
    expect(await events(jobId, ids.at(-1)!)).toEqual([]);

    const badId = await openSse(`${baseUrl}/jobs/${jobId}/events`, { headers: { ...as(KEY_A), "last-event-id": "yesterday" } });
    expect(badId.status).toBe(400);
  });

  it("cancels a queued job at once and stops a running one", async () => {
    held.hold();
    try {
      const startedBefore = held.started;
      const running = (await submit(GENERAL_QUESTION)).body.jobId as string;
      await eventually(async () => ((await statusOf(running)).status === "running" && held.started > startedBefore ? true : undefined), "the first job to run");
      // The only worker is busy: the next job waits in the queue.
      const queued = (await submit(GENERAL_QUESTION)).body.jobId as string;
      expect((await statusOf(queued)).progress).toEqual({ step: "queued", label: "Waiting for a worker" });

      const cancelQueued = await call("POST", `/jobs/${queued}/cancel`);
      expect(cancelQueued.status).toBe(202);
      expect(cancelQueued.body).toMatchObject({ jobId: queued, status: "cancelled" });
      expect(await statusOf(queued)).toMatchObject({ status: "cancelled", attempts: 0, error: { code: "CANCELLED", retryable: false } });
      expect((await events(queued)).map((frame) => frame.event)).toEqual([
        { type: "error", code: "CANCELLED", message: "The job was cancelled.", retryable: false },
        { type: "done", status: "cancelled" },
      ]);

      const abortedBefore = held.aborted;
      const cancelRunning = await call("POST", `/jobs/${running}/cancel`);
      expect(cancelRunning.status).toBe(202);
      expect(cancelRunning.body).toMatchObject({ jobId: running, status: "running" });
      expect(await finished(running)).toMatchObject({ status: "cancelled", error: { code: "CANCELLED" }, progress: { step: "finished", label: "Cancelled" } });
      // The run's abort signal reached the specialist that was working.
      expect(held.aborted).toBe(abortedBefore + 1);
      const runningEvents = (await events(running)).map((frame) => frame.event);
      expect(runningEvents.some((event) => event.type === "route")).toBe(true);
      expect(runningEvents.slice(-2)).toEqual([
        { type: "error", code: "CANCELLED", message: "The job was cancelled.", retryable: false },
        { type: "done", status: "cancelled" },
      ]);

      const cancelFinished = await call("POST", `/jobs/${running}/cancel`);
      expect(cancelFinished.status).toBe(200);
      expect(cancelFinished.body).toMatchObject({ status: "cancelled", message: expect.stringContaining("already finished") });
    } finally {
      held.release();
    }
  });

  it("hides a caller's jobs from every other caller (404), and from requests without a key (401)", async () => {
    const { jobId } = (await submit(CODE_QUESTION)).body;
    for (const [method, url] of [
      ["GET", `/jobs/${jobId}`],
      ["POST", `/jobs/${jobId}/cancel`],
    ] as const) {
      const response = await call(method, url, { key: KEY_B });
      expect(response.status, JSON.stringify(response.body)).toBe(404);
      expect(response.body.error.code).toBe("NOT_FOUND");
      expect((await call(method, url, { key: null })).status).toBe(401);
    }
    const stream = await openSse(`${baseUrl}/jobs/${jobId}/events`, { headers: as(KEY_B) });
    expect(stream.status).toBe(404);
    expect(await finished(jobId)).toMatchObject({ status: "succeeded", cancelRequested: false });
  });

  it("answers an unknown job with 404 and a malformed id with 400", async () => {
    const unknown = await call("GET", "/jobs/00000000-0000-4000-8000-000000000000");
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.message).toContain("There is no job");
    const malformed = await call("GET", "/jobs/not-a-job");
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.message).toContain("jobId");
  });

  it("validates the body like POST /ask", async () => {
    const response = await call("POST", "/jobs", { body: { question: "" } });
    expect(response.status).toBe(400);
    expect(response.body.error.message).toContain("question: must not be empty");
  });

  it("describes the job routes in the OpenAPI document", async () => {
    const document = (await (await fetch(`${baseUrl}/openapi.json`)).json()) as { paths: Record<string, object> };
    expect(Object.keys(document.paths)).toEqual(expect.arrayContaining(["/jobs", "/jobs/{jobId}", "/jobs/{jobId}/events", "/jobs/{jobId}/cancel", "/ask/stream"]));
  });
});

describe("job retention", () => {
  let retentionDatabase: TestDatabase;
  let shortLived: AppServices;
  let shortApp: ApiServer;
  let shortUrl: string;

  beforeAll(async () => {
    retentionDatabase = await sqliteDatabase();
    const config = loadConfig({
      ...retentionDatabase.env,
      INDEX_CACHE_DIR: cacheDirectory,
      AUTH: "off",
      LOG_LEVEL: "silent",
      JOB_POLL_INTERVAL: "50ms",
      JOB_LEASE: "300ms",
      JOB_RETENTION: "200ms",
    });
    shortLived = await createServices(config, { index: services.index });
    shortApp = buildServer({ config, services: shortLived, logger: false });
    shortUrl = await shortApp.listen({ host: "127.0.0.1", port: 0 });
  });
  afterAll(async () => {
    await shortApp?.close();
    await shortLived?.close();
    await retentionDatabase?.cleanup();
  });

  it("deletes a finished job once JOB_RETENTION has passed", async () => {
    const accepted = await fetch(`${shortUrl}/jobs`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ question: CODE_QUESTION }) });
    const { jobId } = (await accepted.json()) as { jobId: string };
    await eventually(async () => ((await (await fetch(`${shortUrl}/jobs/${jobId}`)).json()) as { status: string }).status === "succeeded" || undefined, "the job to succeed");
    await eventually(async () => ((await fetch(`${shortUrl}/jobs/${jobId}`)).status === 404 ? true : undefined), "the job to be deleted");
  });
});
