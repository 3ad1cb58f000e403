import { sql } from "kysely";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { AskResult, RunEvent } from "../src/contract.js";
import { isAppError } from "../src/errors.js";
import { followJobEvents } from "../src/jobs/job-events.js";
import { JobNotifier } from "../src/jobs/job-notifier.js";
import { JobStore, type ClaimedJob, type JobRequest } from "../src/jobs/job-store.js";
import { openStore, type Store } from "../src/store/store.js";
import { DATABASES, type TestDatabase } from "./helpers/state-db.js";
import { askResult } from "./helpers/ask-result.js";

/**
 * The job queue on both databases: claims, leases, cancellation, re-queueing of jobs whose process
 * died, retention, and the event log, on a clock the test moves.
 */

const LEASE_MS = 10_000;
const REQUEST: JobRequest = { question: "What does TokenBucket.tryRemove do?", pipeline: "orchestrated" };
const CANCELLED = { code: "CANCELLED", message: "The job was cancelled.", retryable: false };

const RESULT: AskResult = askResult({ answer: "It returns false." });

async function allEvents(store: JobStore, jobId: string): Promise<Array<{ seq: number; event: RunEvent }>> {
  return store.eventsAfter(jobId, 0, 1_000);
}

describe.each(["sqlite", "postgres"] as const)("the job store on %s", (kind) => {
  let database: TestDatabase;
  const opened: Store[] = [];
  let clock: number;
  const now = () => clock;
  let jobs: JobStore;

  /** Another replica: its own connection (pool) to the same database. */
  const replica = async () => {
    const store = await openStore(database.config);
    opened.push(store);
    return new JobStore(store.db, store.kind, now);
  };

  beforeEach(async () => {
    clock = 1_700_000_000_000;
    database = await DATABASES[kind]();
    jobs = await replica();
  });
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((store) => store.close()));
    await database.cleanup();
  });

  const submit = async (question = REQUEST.question, caller = "key:a") => (await jobs.create(caller, { ...REQUEST, question })).job;
  const claim = async (store = jobs) => (await store.claim(LEASE_MS))!;

  it("queues jobs and hands them out oldest first, each once", async () => {
    const submitted = [];
    for (let i = 0; i < 3; i++) {
      clock += 1;
      submitted.push(await submit(`question ${i}`));
    }
    expect(submitted.every((job) => job.status === "queued" && job.attempts === 0)).toBe(true);
    const first = await claim();
    expect(first).toMatchObject({ jobId: submitted[0]!.jobId, status: "running", attempts: 1, startedAt: clock, request: { question: "question 0" } });
    expect((await claim()).jobId).toBe(submitted[1]!.jobId);
    expect((await claim()).jobId).toBe(submitted[2]!.jobId);
    expect(await jobs.claim(LEASE_MS)).toBeUndefined();
  });

  it("never hands one job to two claimers, however many claim at once from several replicas", async () => {
    const replicas = [jobs, await replica(), await replica()];
    const submitted = new Set<string>();
    for (let i = 0; i < 24; i++) submitted.add((await submit(`question ${i}`)).jobId);
    const claimed: string[] = [];
    await Promise.all(
      Array.from({ length: 12 }, async (_, worker) => {
        for (let job = await replicas[worker % replicas.length]!.claim(LEASE_MS); job; job = await replicas[worker % replicas.length]!.claim(LEASE_MS)) claimed.push(job.jobId);
      }),
    );
    expect(claimed).toHaveLength(24);
    expect(new Set(claimed)).toEqual(submitted);
  });

  it("returns the same job for the same idempotency key and caller, and refuses the key for another request", async () => {
    const first = await jobs.create("key:a", REQUEST, "key-1");
    const again = await jobs.create("key:a", REQUEST, "key-1");
    expect(first.created).toBe(true);
    expect(again).toMatchObject({ created: false, job: { jobId: first.job.jobId } });
    const otherCaller = await jobs.create("key:b", REQUEST, "key-1");
    expect(otherCaller.created).toBe(true);
    expect(otherCaller.job.jobId).not.toBe(first.job.jobId);
    const refused = await jobs.create("key:a", { ...REQUEST, question: "something else" }, "key-1").catch((error: unknown) => error);
    expect(isAppError(refused) && refused.code).toBe("IDEMPOTENCY_KEY_REUSED");
  });

  it("records events in order and the outcome with its closing events", async () => {
    await submit();
    const job = await claim();
    expect(await jobs.appendEvents(job, [{ type: "step", step: "routing", label: "Choosing a specialist", node: "router" }], { step: "routing", label: "Choosing a specialist" })).toBe(true);
    expect((await jobs.get(job.jobId))!.progress).toEqual({ step: "routing", label: "Choosing a specialist" });
    expect(await jobs.finish(job, { status: "succeeded", result: RESULT })).toBe(true);
    const finished = (await jobs.get(job.jobId))!;
    expect(finished).toMatchObject({ status: "succeeded", result: RESULT, finishedAt: clock, lastSeq: 3 });
    expect((await allEvents(jobs, job.jobId)).map(({ seq, event }) => [seq, event.type])).toEqual([
      [1, "step"],
      [2, "answer"],
      [3, "done"],
    ]);
  });

  it("scopes jobs to their caller", async () => {
    const job = await submit();
    expect(await jobs.get(job.jobId, "key:a")).toBeDefined();
    expect(await jobs.get(job.jobId, "key:b")).toBeUndefined();
    expect(await jobs.requestCancel(job.jobId, "key:b", CANCELLED)).toEqual({ kind: "not_found" });
    expect((await jobs.get(job.jobId))!.status).toBe("queued");
  });

  it("cancels a queued job at once, flags a running one, and leaves a finished one", async () => {
    const running = await submit("running");
    clock += 1;
    const finished = await submit("finished");
    clock += 1;
    const queued = await submit("queued");
    const runningClaim = await claim();
    expect(runningClaim.jobId).toBe(running.jobId);
    await jobs.finish(await claim(), { status: "succeeded", result: RESULT });

    const cancelled = await jobs.requestCancel(queued.jobId, "key:a", CANCELLED);
    expect(cancelled).toMatchObject({ kind: "cancelled", job: { status: "cancelled", error: CANCELLED, finishedAt: clock } });
    expect((await allEvents(jobs, queued.jobId)).map(({ event }) => event)).toEqual([
      { type: "error", ...CANCELLED },
      { type: "done", status: "cancelled" },
    ]);
    // A cancelled job is never claimed.
    expect(await jobs.claim(LEASE_MS)).toBeUndefined();

    expect(await jobs.requestCancel(running.jobId, "key:a", CANCELLED)).toMatchObject({ kind: "cancelling", job: { status: "running", cancelRequested: true } });
    // The worker learns of it when it renews its lease.
    expect(await jobs.renewLease(runningClaim, LEASE_MS)).toEqual({ held: true, cancelRequested: true });

    expect(await jobs.requestCancel(finished.jobId, "key:a", CANCELLED)).toMatchObject({ kind: "finished", job: { status: "succeeded" } });
    expect((await jobs.get(finished.jobId))!.error).toBeUndefined();
  });

  it("queues a job again when its lease expires, and the old holder can no longer write", async () => {
    const job = await submit();
    const first = await claim();
    clock += LEASE_MS - 1;
    expect(await jobs.reapExpiredLeases(3)).toBe(0);
    clock += 2;
    expect(await jobs.reapExpiredLeases(3)).toBe(1);
    expect((await jobs.get(job.jobId))!).toMatchObject({ status: "queued", attempts: 1 });

    const second = await claim(await replica());
    expect(second).toMatchObject({ jobId: job.jobId, attempts: 2 });
    expect(await jobs.renewLease(first, LEASE_MS)).toEqual({ held: false, cancelRequested: false });
    expect(await jobs.appendEvents(first, [{ type: "token", node: "code", text: "late" }])).toBe(false);
    expect(await jobs.finish(first, { status: "succeeded", result: RESULT })).toBe(false);
    expect(await jobs.finish(second, { status: "succeeded", result: RESULT })).toBe(true);
    expect((await allEvents(jobs, job.jobId)).map(({ event }) => event.type)).toEqual(["retry", "answer", "done"]);
    expect((await allEvents(jobs, job.jobId))[0]!.event).toMatchObject({ type: "retry", attempt: 2 });
  });

  it("fails a job whose process died JOB_MAX_ATTEMPTS times, and cancels one that was being cancelled", async () => {
    const doomed = await submit("doomed");
    for (let attempt = 1; attempt <= 3; attempt++) {
      const held = await claim();
      expect(held).toMatchObject({ jobId: doomed.jobId, attempts: attempt });
      clock += LEASE_MS + 1;
      expect(await jobs.reapExpiredLeases(3)).toBe(1);
    }
    expect((await jobs.get(doomed.jobId))!).toMatchObject({ status: "failed", attempts: 3, error: { code: "WORKER_LOST", retryable: true } });
    expect((await allEvents(jobs, doomed.jobId)).map(({ event }) => event.type)).toEqual(["retry", "retry", "error", "done"]);

    const abandoned = await submit("abandoned");
    await claim();
    await jobs.requestCancel(abandoned.jobId, "key:a", CANCELLED);
    clock += LEASE_MS + 1;
    await jobs.reapExpiredLeases(3);
    expect((await jobs.get(abandoned.jobId))!).toMatchObject({ status: "cancelled", error: { code: "CANCELLED" } });
    expect(await jobs.claim(LEASE_MS)).toBeUndefined();
  });

  it("puts a job back without counting the attempt when its process shuts down", async () => {
    const job = await submit();
    const held = await claim();
    expect(await jobs.release(held, "shutting down")).toBe(true);
    expect((await jobs.get(job.jobId))!).toMatchObject({ status: "queued", attempts: 0 });
    expect((await claim()).attempts).toBe(1);
  });

  it("deletes finished jobs and their events after the retention, and nothing else", async () => {
    const old = await submit("old");
    await jobs.finish(await claim(), { status: "succeeded", result: RESULT });
    clock += 1;
    const runningLongAgo = await submit("running since long ago");
    await claim();
    clock += 1;
    const queuedLongAgo = await submit("queued since long ago");
    clock += 60_000;
    const recent = await submit("recent");
    await jobs.requestCancel(recent.jobId, "key:a", CANCELLED);

    expect(await jobs.deleteFinishedBefore(clock - 30_000)).toBe(1);
    expect(await jobs.get(old.jobId)).toBeUndefined();
    expect(await allEvents(jobs, old.jobId)).toEqual([]);
    expect((await jobs.get(runningLongAgo.jobId))!.status).toBe("running");
    expect((await jobs.get(queuedLongAgo.jobId))!.status).toBe("queued");
    expect((await jobs.get(recent.jobId))!.status).toBe("cancelled");
    expect((await allEvents(jobs, recent.jobId)).map(({ event }) => event.type)).toEqual(["error", "done"]);
  });

  it("follows a job's events live after replaying those after the given id", async () => {
    await submit();
    const job = await claim();
    await jobs.appendEvents(job, [
      { type: "step", step: "recalling", label: "r", node: "recall" },
      { type: "step", step: "routing", label: "r", node: "router" },
    ]);
    const notifier = new JobNotifier();
    const controller = new AbortController();
    const seen: Array<[number, string]> = [];
    const following = (async () => {
      for await (const { seq, event } of followJobEvents(jobs, job.jobId, 1, { signal: controller.signal, pollIntervalMs: 20, notifier })) seen.push([seq, event.type]);
    })();
    await jobs.appendEvents(job, [{ type: "token", node: "code", text: "hi" }]);
    notifier.changed(job.jobId);
    await jobs.finish(job, { status: "succeeded", result: RESULT });
    await following;
    expect(seen).toEqual([
      [2, "step"],
      [3, "token"],
      [4, "answer"],
      [5, "done"],
    ]);
  });

  it("closes a finished job's events from its row when its closing events were lost", async () => {
    await submit();
    const job: ClaimedJob = await claim();
    // What a process that died between recording the outcome and writing its events leaves behind.
    await sql`update jobs set status = 'succeeded', result = ${JSON.stringify(RESULT)}, last_seq = last_seq + 2, lease_owner = null where job_id = ${job.jobId}`.execute(opened[0]!.db);
    const seen: Array<{ seq: number; event: RunEvent }> = [];
    for await (const stored of followJobEvents(jobs, job.jobId, 0, { signal: new AbortController().signal, pollIntervalMs: 10, notifier: new JobNotifier() })) seen.push(stored);
    expect(seen).toEqual([
      { seq: 1, event: { type: "answer", result: RESULT } },
      { seq: 2, event: { type: "done", status: "succeeded" } },
    ]);
  });
});
