import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createServices, type AppServices, type ServiceOverrides } from "../src/app.js";
import { loadConfig } from "../src/config.js";
import type { RunEvent } from "../src/contract.js";
import { buildServer, type ApiServer } from "../src/server/app.js";
import { postgresDatabase, type TestDatabase } from "./helpers/state-db.js";
import { eventually, heldSpecialist, openSse } from "./helpers/streaming.js";

/**
 * Replicas sharing one PostgreSQL schema, each with its own connection pool and server: a job
 * accepted by one is run by another's worker, and every replica answers for it (status, events,
 * cancellation). A replica that shuts down mid-job hands it back to the queue.
 */

const CODE_QUESTION = "What does TokenBucket.tryRemove do when there aren't enough tokens left?";
const GENERAL_QUESTION = "Which third-party Python packages does the worker depend on?";

interface Replica {
  services: AppServices;
  app: ApiServer;
  url: string;
  close(): Promise<void>;
}

let database: TestDatabase;
let cacheDirectory: string;
const replicas: Replica[] = [];

async function startReplica(env: Record<string, string>, overrides: ServiceOverrides = {}): Promise<Replica> {
  const config = loadConfig({
    ...database.env,
    INDEX_CACHE_DIR: cacheDirectory,
    AUTH: "off",
    RATE_LIMIT_MAX: "0",
    LOG_LEVEL: "silent",
    JOB_POLL_INTERVAL: "100ms",
    JOB_LEASE: "1s",
    ...env,
  });
  const services = await createServices(config, { ...(replicas[0] ? { index: replicas[0].services.index } : {}), ...overrides });
  const app = buildServer({ config, services, logger: false });
  const url = await app.listen({ host: "127.0.0.1", port: 0 });
  let closed: Promise<void> | undefined;
  const replica = { services, app, url, close: () => (closed ??= app.close().then(() => services.close())) };
  replicas.push(replica);
  return replica;
}

async function json(url: string, init: { method?: string; body?: unknown } = {}): Promise<{ status: number; body: any }> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const response = await fetch(url, {
    method: init.method ?? "GET",
    ...(init.body !== undefined ? { headers: { "content-type": "application/json" }, body: JSON.stringify(init.body) } : {}),
  });
  return { status: response.status, body: await response.json() };
}

const submit = async (replica: Replica, question: string) => (await json(`${replica.url}/jobs`, { method: "POST", body: { question } })).body.jobId as string;
const statusOn = async (replica: Replica, jobId: string) => (await json(`${replica.url}/jobs/${jobId}`)).body;
const finishedOn = (replica: Replica, jobId: string) =>
  eventually(async () => {
    const job = await statusOn(replica, jobId);
    return ["succeeded", "failed", "cancelled"].includes(job.status) ? job : undefined;
  }, `job ${jobId} to finish`);
const eventsOn = async (replica: Replica, jobId: string) => (await (await openSse(`${replica.url}/jobs/${jobId}/events`)).events()).map((frame) => frame.event);

/** A: accepts and answers, runs nothing. B: runs jobs (one at a time), with a `general` specialist the test can hold. */
let a: Replica;
let b: Replica;
const heldOnB = heldSpecialist();

beforeAll(async () => {
  database = await postgresDatabase();
  cacheDirectory = await mkdtemp(path.join(tmpdir(), "jobs-replicas-index-"));
  a = await startReplica({ JOB_WORKERS: "0" });
  b = await startReplica({ JOB_WORKERS: "1" }, { specialists: { general: heldOnB } });
  heldOnB.release();
});

afterAll(async () => {
  heldOnB.release();
  await Promise.all(replicas.map((replica) => replica.close()));
  await database?.cleanup();
  await rm(cacheDirectory, { recursive: true, force: true });
});

describe("jobs across replicas on one PostgreSQL schema", () => {
  it("runs a job accepted by one replica on another, and both answer for it, events included", async () => {
    const jobId = await submit(a, CODE_QUESTION);
    // Followed on A while B runs it: A tails the events B writes to the store.
    const followedOnA = await eventsOn(a, jobId);
    expect(followedOnA.some((event) => event.type === "route")).toBe(true);
    expect(followedOnA.slice(-1)).toEqual([{ type: "done", status: "succeeded" }]);

    const onA = await finishedOn(a, jobId);
    expect(onA).toMatchObject({ status: "succeeded", attempts: 1, result: { route: "code" } });
    expect(await statusOn(b, jobId)).toEqual(onA);
    expect((followedOnA.at(-2) as Extract<RunEvent, { type: "answer" }>).result).toEqual(onA.result);
    expect(await eventsOn(b, jobId)).toEqual(followedOnA);
  });

  it("stops a job running on one replica when another is asked to cancel it", async () => {
    heldOnB.hold();
    try {
      const startedBefore = heldOnB.started;
      const abortedBefore = heldOnB.aborted;
      const jobId = await submit(a, GENERAL_QUESTION);
      await eventually(() => (heldOnB.started > startedBefore ? true : undefined), "B to start the job");
      expect((await statusOn(a, jobId)).status).toBe("running");

      const cancel = await json(`${a.url}/jobs/${jobId}/cancel`, { method: "POST" });
      expect(cancel).toMatchObject({ status: 202, body: { status: "running" } });
      expect(await finishedOn(a, jobId)).toMatchObject({ status: "cancelled", error: { code: "CANCELLED" } });
      // B's worker saw the flag A set, and aborted the run it held.
      expect(heldOnB.aborted).toBe(abortedBefore + 1);
      expect((await eventsOn(a, jobId)).slice(-1)).toEqual([{ type: "done", status: "cancelled" }]);
    } finally {
      heldOnB.release();
    }
  });

  it("runs each of many jobs exactly once with workers on two replicas", async () => {
    const c = await startReplica({ JOB_WORKERS: "2" });
    const jobIds = await Promise.all(Array.from({ length: 12 }, (_, i) => submit(i % 2 === 0 ? a : c, i % 3 === 0 ? GENERAL_QUESTION : CODE_QUESTION)));
    for (const jobId of jobIds) {
      expect(await finishedOn(c, jobId)).toMatchObject({ status: "succeeded", attempts: 1 });
      const types = (await eventsOn(a, jobId)).map((event) => event.type);
      expect(types.filter((type) => type === "done")).toHaveLength(1);
      expect(types).not.toContain("retry");
    }
  });

  it("queues a job again when the replica running it shuts down, and another replica finishes it", async () => {
    // Only B runs jobs from here on, so the next job is B's.
    await replicas[2]!.close();
    heldOnB.hold();
    const startedBefore = heldOnB.started;
    const jobId = await submit(a, GENERAL_QUESTION);
    await eventually(() => (heldOnB.started > startedBefore ? true : undefined), "B to start the job");
    // A client following the job on B: B's shutdown ends the stream (to be resumed elsewhere) rather than waiting for it.
    const followedOnB = await openSse(`${b.url}/jobs/${jobId}/events`);
    const seenOnB = followedOnB.events();

    await b.close();
    expect((await seenOnB).map((frame) => frame.event.type)).not.toContain("done");
    // The attempt cut short by the shutdown is not counted against the job.
    expect(await statusOn(a, jobId)).toMatchObject({ status: "queued", attempts: 0 });

    await startReplica({ JOB_WORKERS: "1" });
    expect(await finishedOn(a, jobId)).toMatchObject({ status: "succeeded", attempts: 1 });
    const events = await eventsOn(a, jobId);
    expect(events.filter((event) => event.type === "retry")).toEqual([{ type: "retry", attempt: 1, reason: expect.stringContaining("shut down") }]);
    expect(events.filter((event) => event.type === "done")).toEqual([{ type: "done", status: "succeeded" }]);
  });
});
