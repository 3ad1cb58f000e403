import type { ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServiceProcess, type ServiceProcess } from "./helpers/service-process.js";
import { eventually, openSse } from "./helpers/streaming.js";

/**
 * The service as `npm start` runs it, killed with SIGKILL while jobs are queued and running, then
 * started again on the same state file: every accepted job still ends, none is lost or stuck.
 * Jobs are slow only by number: many questions, one worker.
 */

let directory: string;
let stateFile: string;
const started: ChildProcess[] = [];

beforeAll(async () => {
  directory = await mkdtemp(path.join(tmpdir(), "jobs-restart-"));
  stateFile = path.join(directory, "state.sqlite");
});
afterAll(async () => {
  for (const child of started) child.kill("SIGKILL");
  await rm(directory, { recursive: true, force: true });
});

async function startService(): Promise<ServiceProcess> {
  const service = await startServiceProcess({
    INDEX_CACHE_DIR: path.join(directory, "index"),
    STATE_DB_PATH: stateFile,
    AUTH: "off",
    RATE_LIMIT_MAX: "0",
    JOB_WORKERS: "1",
    JOB_POLL_INTERVAL: "100ms",
    JOB_LEASE: "1s",
  });
  started.push(service.child);
  return service;
}

/** Job ids by status, read from the state file itself (the process may be stopped or dead). */
function statusesInStore(): Map<string, string[]> {
  const db = new Database(stateFile, { readonly: true });
  try {
    const rows = db.prepare("select job_id, status from jobs").all() as Array<{ job_id: string; status: string }>;
    const byStatus = new Map<string, string[]>();
    for (const row of rows) byStatus.set(row.status, [...(byStatus.get(row.status) ?? []), row.job_id]);
    return byStatus;
  } finally {
    db.close();
  }
}

const JOBS = 200;
const QUESTIONS = [
  "What does TokenBucket.tryRemove do when there aren't enough tokens left?",
  "Which third-party Python packages does the worker depend on?",
  "I'm writing a receiver in Python. How do I verify the Hookrelay signature?",
  "How are failed deliveries retried?",
];

describe("jobs across a crash of the service process", () => {
  it("ends every accepted job after a SIGKILL while jobs are queued and running", { timeout: 180_000 }, async () => {
    const first = await startService();
    // Submitted together, so that most are still queued when the process dies.
    const jobIds = await Promise.all(
      Array.from({ length: JOBS }, async (_, i) => {
        const response = await fetch(`${first.url}/jobs`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ question: QUESTIONS[i % QUESTIONS.length] }) });
        expect(response.status).toBe(202);
        return ((await response.json()) as { jobId: string }).jobId;
      }),
    );
    await eventually(() => ((statusesInStore().get("succeeded")?.length ?? 0) >= 2 ? true : undefined), "a couple of jobs to succeed");

    // Freeze the process and look: kill it only at a moment when a job is running (and others wait).
    let runningAtKill: string[] = [];
    for (;;) {
      first.child.kill("SIGSTOP");
      const statuses = statusesInStore();
      if ((statuses.get("running")?.length ?? 0) > 0 && (statuses.get("queued")?.length ?? 0) > 0) {
        runningAtKill = statuses.get("running")!;
        first.child.kill("SIGKILL");
        break;
      }
      first.child.kill("SIGCONT");
      if ((statuses.get("queued")?.length ?? 0) === 0) throw new Error("every job finished before the process could be killed; submit more");
      await sleep(5);
    }
    await first.exited;
    expect(runningAtKill).toHaveLength(1);
    const queuedAtKill = statusesInStore().get("queued")!;
    expect(queuedAtKill.length).toBeGreaterThan(0);

    const second = await startService();
    const finalJobs = await eventually(
      async () => {
        const jobs = await Promise.all(jobIds.map(async (jobId) => (await (await fetch(`${second.url}/jobs/${jobId}`)).json()) as { status: string; attempts: number }));
        return jobs.every((job) => ["succeeded", "failed", "cancelled"].includes(job.status)) ? jobs : undefined;
      },
      "every job to finish after the restart",
      120_000,
    );
    // None lost: every job is still there; none stuck: every one finished, and here every one could answer.
    expect(finalJobs).toHaveLength(JOBS);
    expect(finalJobs.map((job) => job.status)).toEqual(jobIds.map(() => "succeeded"));

    // The job the dead process was running was run again, once, and says so in its events.
    const interrupted = runningAtKill[0]!;
    expect(finalJobs[jobIds.indexOf(interrupted)]!.attempts).toBe(2);
    const events = (await (await openSse(`${second.url}/jobs/${interrupted}/events`)).events()).map((frame) => frame.event);
    expect(events.filter((event) => event.type === "retry")).toEqual([{ type: "retry", attempt: 2, reason: expect.stringContaining("stopped before it finished") }]);
    expect(events.filter((event) => event.type === "done")).toEqual([{ type: "done", status: "succeeded" }]);
    // The jobs that were waiting ran once.
    for (const jobId of queuedAtKill) expect(finalJobs[jobIds.indexOf(jobId)]!.attempts).toBe(1);

    second.child.kill("SIGTERM");
    expect(await second.exited).toBe(0);
  });
});
