import { randomUUID } from "node:crypto";
import { z } from "zod";
import { AskResultSchema, PipelineNameSchema, RunErrorSchema, RunEventSchema, RunStepSchema, type AskResult, type RunError, type RunEvent } from "../contract.js";
import { AppError } from "../errors.js";
import type { StoreDatabase } from "../store/connection.js";
import { finalEvents, type RunOutcome } from "./run-events.js";

/**
 * The job queue on the store (tables of migration 0002-jobs), shared by every replica.
 *
 * Every change of a job's state is one UPDATE guarded by the state it expects (`status = 'queued'`,
 * or the lease owner of the attempt making it), so two replicas can never both claim a job, and a
 * worker that lost its lease cannot overwrite what another wrote. The same UPDATE reserves the
 * sequence numbers of the events it is about to add (`last_seq`); the events are inserted right
 * after. A process that dies between the two leaves a gap in the sequence, never a duplicate, and
 * readers fill in a missing ending from the job's row (see job-events.ts).
 */

export const JobStatusSchema = z.enum(["queued", "running", "succeeded", "failed", "cancelled"]);
export type JobStatus = z.infer<typeof JobStatusSchema>;
export const FINISHED_STATUSES: ReadonlySet<JobStatus> = new Set(["succeeded", "failed", "cancelled"]);

/** What a job was asked to do: the POST /jobs body, validated there. */
export const JobRequestSchema = z.object({
  question: z.string(),
  pipeline: PipelineNameSchema,
  threadId: z.string().optional(),
  userId: z.string().optional(),
});
export type JobRequest = z.infer<typeof JobRequestSchema>;

export interface JobRecord {
  jobId: string;
  callerId: string;
  request: JobRequest;
  status: JobStatus;
  /** The step the running job reported last. */
  progress: { step: z.infer<typeof RunStepSchema>; label: string } | null;
  result?: AskResult;
  error?: RunError;
  attempts: number;
  cancelRequested: boolean;
  createdAt: number;
  startedAt?: number;
  finishedAt?: number;
  /** The sequence number of the job's last event (reserved; the event may still be on its way). */
  lastSeq: number;
}

/** A job a worker holds: the lease owner identifies this attempt in every write it makes. */
export interface ClaimedJob extends JobRecord {
  owner: string;
}

export interface StoredEvent {
  seq: number;
  event: RunEvent;
}

/** How a job ended, as its worker (or a cancellation, or the reaper) records it. */
export type JobOutcome = RunOutcome;

export type CancelOutcome =
  | { kind: "cancelled"; job: JobRecord }
  | { kind: "cancelling"; job: JobRecord }
  | { kind: "finished"; job: JobRecord }
  | { kind: "not_found" };

type JobsTables = {
  jobs: {
    job_id: string;
    caller_id: string;
    idempotency_key: string | null;
    request: string;
    status: JobStatus;
    progress_step: string | null;
    progress_label: string | null;
    result: string | null;
    error: string | null;
    attempts: number;
    cancel_requested: number;
    lease_owner: string | null;
    lease_expires_at: number | string | null;
    last_seq: number;
    created_at: number | string;
    started_at: number | string | null;
    finished_at: number | string | null;
  };
  job_events: { job_id: string; seq: number; type: string; data: string; created_at: number | string };
};

const json = <T extends z.ZodType>(schema: T) => z.string().transform((text) => schema.parse(JSON.parse(text)) as z.infer<T>);
/** PostgreSQL returns bigint columns as strings, SQLite as numbers. */
const epochMs = z.coerce.number().int();

const JobRowSchema = z.object({
  job_id: z.string(),
  caller_id: z.string(),
  request: json(JobRequestSchema),
  status: JobStatusSchema,
  progress_step: RunStepSchema.nullable(),
  progress_label: z.string().nullable(),
  result: json(AskResultSchema).nullable(),
  error: json(RunErrorSchema).nullable(),
  attempts: z.coerce.number().int(),
  cancel_requested: z.coerce.number().int(),
  lease_owner: z.string().nullable(),
  last_seq: z.coerce.number().int(),
  created_at: epochMs,
  started_at: epochMs.nullable(),
  finished_at: epochMs.nullable(),
});

function toRecord(row: unknown): JobRecord {
  const parsed = JobRowSchema.parse(row);
  return {
    jobId: parsed.job_id,
    callerId: parsed.caller_id,
    request: parsed.request,
    status: parsed.status,
    progress: parsed.progress_step && parsed.progress_label !== null ? { step: parsed.progress_step, label: parsed.progress_label } : null,
    ...(parsed.result ? { result: parsed.result } : {}),
    ...(parsed.error ? { error: parsed.error } : {}),
    attempts: parsed.attempts,
    cancelRequested: parsed.cancel_requested === 1,
    createdAt: parsed.created_at,
    ...(parsed.started_at !== null ? { startedAt: parsed.started_at } : {}),
    ...(parsed.finished_at !== null ? { finishedAt: parsed.finished_at } : {}),
    lastSeq: parsed.last_seq,
  };
}

const sameRequest = (a: JobRequest, b: JobRequest) => a.question === b.question && a.pipeline === b.pipeline && a.threadId === b.threadId && a.userId === b.userId;

export class JobStore {
  private readonly db;

  constructor(
    database: StoreDatabase,
    private readonly dialect: "sqlite" | "postgres",
    private readonly now: () => number = Date.now,
  ) {
    this.db = database.withTables<JobsTables>();
  }

  /**
   * Queues a job, or, when the caller already sent this idempotency key, returns that job
   * (`created: false`). A key sent again with a different request is refused.
   */
  async create(callerId: string, request: JobRequest, idempotencyKey?: string): Promise<{ job: JobRecord; created: boolean }> {
    const jobId = randomUUID();
    const inserted = await this.db
      .insertInto("jobs")
      .values({
        job_id: jobId,
        caller_id: callerId,
        idempotency_key: idempotencyKey ?? null,
        request: JSON.stringify(request),
        status: "queued",
        attempts: 0,
        cancel_requested: 0,
        last_seq: 0,
        created_at: this.now(),
      })
      .onConflict((conflict) => conflict.columns(["caller_id", "idempotency_key"]).doNothing())
      .returningAll()
      .executeTakeFirst();
    if (inserted) return { job: toRecord(inserted), created: true };
    // Only a key can conflict: without one the insert always succeeds.
    if (idempotencyKey === undefined) throw new Error("a job without an idempotency key was not inserted");
    const existing = await this.db.selectFrom("jobs").selectAll().where("caller_id", "=", callerId).where("idempotency_key", "=", idempotencyKey).executeTakeFirst();
    // Deleted by retention between the two statements: a new job is what the caller would get next time.
    if (!existing) return this.create(callerId, request, idempotencyKey);
    const job = toRecord(existing);
    if (!sameRequest(job.request, request)) throw new AppError("IDEMPOTENCY_KEY_REUSED");
    return { job, created: false };
  }

  /** The job, if it exists and (when `callerId` is given) belongs to that caller. */
  async get(jobId: string, callerId?: string): Promise<JobRecord | undefined> {
    let query = this.db.selectFrom("jobs").selectAll().where("job_id", "=", jobId);
    if (callerId !== undefined) query = query.where("caller_id", "=", callerId);
    const row = await query.executeTakeFirst();
    return row ? toRecord(row) : undefined;
  }

  /**
   * Takes the oldest queued job, if any, for a new attempt held by a fresh lease. One statement:
   * on PostgreSQL the candidate row is locked with SKIP LOCKED, so concurrent claimers take
   * different jobs instead of queueing behind one another; SQLite runs the statement under its
   * database write lock.
   */
  async claim(leaseMs: number): Promise<ClaimedJob | undefined> {
    const now = this.now();
    const owner = randomUUID();
    let oldestQueued = this.db.selectFrom("jobs").select("job_id").where("status", "=", "queued").orderBy("created_at").orderBy("job_id").limit(1);
    if (this.dialect === "postgres") oldestQueued = oldestQueued.forUpdate().skipLocked();
    const row = await this.db
      .updateTable("jobs")
      .set((eb) => ({
        status: "running",
        lease_owner: owner,
        lease_expires_at: now + leaseMs,
        attempts: eb("attempts", "+", 1),
        started_at: eb.fn.coalesce("started_at", eb.val(now)),
      }))
      .where("job_id", "=", oldestQueued)
      .where("status", "=", "queued")
      .returningAll()
      .executeTakeFirst();
    return row ? { ...toRecord(row), owner } : undefined;
  }

  /** An update of a job still running under this worker's lease: it matches no row once the lease is lost. */
  private heldJob(job: ClaimedJob) {
    return this.db.updateTable("jobs").where("job_id", "=", job.jobId).where("lease_owner", "=", job.owner).where("status", "=", "running");
  }

  /** Extends a running job's lease; says whether it is still held and whether cancellation was asked for. */
  async renewLease(job: ClaimedJob, leaseMs: number): Promise<{ held: boolean; cancelRequested: boolean }> {
    const row = await this.heldJob(job)
      .set({ lease_expires_at: this.now() + leaseMs })
      .returning("cancel_requested")
      .executeTakeFirst();
    return { held: row !== undefined, cancelRequested: Number(row?.cancel_requested) === 1 };
  }

  /** Adds a running job's events (and its latest step); false when the lease is no longer held. */
  async appendEvents(job: ClaimedJob, events: readonly RunEvent[], progress?: { step: string; label: string }): Promise<boolean> {
    if (events.length === 0 && !progress) return true;
    const row = await this.heldJob(job)
      .set((eb) => ({ last_seq: eb("last_seq", "+", events.length), ...(progress ? { progress_step: progress.step, progress_label: progress.label } : {}) }))
      .returning("last_seq")
      .executeTakeFirst();
    if (!row) return false;
    await this.insertEvents(job.jobId, Number(row.last_seq), events);
    return true;
  }

  /** Records how a running job ended, with its closing events; false when the lease is no longer held. */
  async finish(job: ClaimedJob, outcome: JobOutcome): Promise<boolean> {
    const events = finalEvents(outcome);
    const row = await this.heldJob(job)
      .set((eb) => ({
        status: outcome.status,
        ...(outcome.status === "succeeded" ? { result: JSON.stringify(outcome.result) } : { error: JSON.stringify(outcome.error) }),
        finished_at: this.now(),
        lease_owner: null,
        lease_expires_at: null,
        last_seq: eb("last_seq", "+", events.length),
      }))
      .returning("last_seq")
      .executeTakeFirst();
    if (!row) return false;
    await this.insertEvents(job.jobId, Number(row.last_seq), events);
    return true;
  }

  /**
   * Puts a running job back in the queue without counting the attempt (its process is shutting
   * down, which is not the job's fault). False when the lease is gone or cancellation was asked
   * for (then the job should end cancelled instead).
   */
  async release(job: ClaimedJob, reason: string): Promise<boolean> {
    const row = await this.heldJob(job)
      .set((eb) => ({ status: "queued", lease_owner: null, lease_expires_at: null, attempts: eb("attempts", "-", 1), last_seq: eb("last_seq", "+", 1) }))
      .where("cancel_requested", "=", 0)
      .returning(["last_seq", "attempts"])
      .executeTakeFirst();
    if (!row) return false;
    await this.insertEvents(job.jobId, Number(row.last_seq), [{ type: "retry", attempt: Number(row.attempts) + 1, reason }]);
    return true;
  }

  /**
   * Cancels the caller's job: a queued one at once (no worker has it); a running one is flagged,
   * and its worker, polling the flag, stops it; a finished one is left as it is.
   */
  async requestCancel(jobId: string, callerId: string, error: RunError): Promise<CancelOutcome> {
    const events = finalEvents({ status: "cancelled", error });
    const cancelled = await this.db
      .updateTable("jobs")
      .set((eb) => ({ status: "cancelled", error: JSON.stringify(error), finished_at: this.now(), last_seq: eb("last_seq", "+", events.length) }))
      .where("job_id", "=", jobId)
      .where("caller_id", "=", callerId)
      .where("status", "=", "queued")
      .returningAll()
      .executeTakeFirst();
    if (cancelled) {
      const job = toRecord(cancelled);
      await this.insertEvents(jobId, job.lastSeq, events);
      return { kind: "cancelled", job };
    }
    const flagged = await this.db
      .updateTable("jobs")
      .set({ cancel_requested: 1 })
      .where("job_id", "=", jobId)
      .where("caller_id", "=", callerId)
      .where("status", "=", "running")
      .returningAll()
      .executeTakeFirst();
    if (flagged) return { kind: "cancelling", job: toRecord(flagged) };
    const job = await this.get(jobId, callerId);
    return job ? { kind: "finished", job } : { kind: "not_found" };
  }

  /**
   * Running jobs whose lease expired belong to a process that died (or stalled past its lease).
   * Each goes back to the queue, unless it was asked to be cancelled (it ends cancelled) or has
   * had `maxAttempts` attempts (it fails). Returns how many jobs were handled.
   */
  async reapExpiredLeases(maxAttempts: number): Promise<number> {
    const now = this.now();
    const expired = () => this.db.updateTable("jobs").where("status", "=", "running").where("lease_expires_at", "<", now);
    const ended = async (outcome: Extract<JobOutcome, { status: "failed" | "cancelled" }>, rows: Promise<Array<{ job_id: string; last_seq: number }>>) => {
      const done = await rows;
      for (const row of done) await this.insertEvents(row.job_id, Number(row.last_seq), finalEvents(outcome));
      return done.length;
    };
    const endWith = (outcome: Extract<JobOutcome, { status: "failed" | "cancelled" }>) => ({
      status: outcome.status,
      error: JSON.stringify(outcome.error),
      finished_at: now,
      lease_owner: null,
      lease_expires_at: null,
    });

    const cancelledOutcome = { status: "cancelled", error: { code: "CANCELLED", message: "The job was cancelled.", retryable: false } } as const;
    const cancelled = await ended(
      cancelledOutcome,
      expired()
        .set((eb) => ({ ...endWith(cancelledOutcome), last_seq: eb("last_seq", "+", 2) }))
        .where("cancel_requested", "=", 1)
        .returning(["job_id", "last_seq"])
        .execute(),
    );
    const lostOutcome = {
      status: "failed",
      error: { code: "WORKER_LOST", message: `The process running the job stopped ${maxAttempts} time(s); the job was given up. Submit it again.`, retryable: true },
    } as const;
    const failed = await ended(
      lostOutcome,
      expired()
        .set((eb) => ({ ...endWith(lostOutcome), last_seq: eb("last_seq", "+", 2) }))
        .where("attempts", ">=", maxAttempts)
        .returning(["job_id", "last_seq"])
        .execute(),
    );
    const requeued = await expired()
      .set((eb) => ({ status: "queued", lease_owner: null, lease_expires_at: null, last_seq: eb("last_seq", "+", 1) }))
      .where("attempts", "<", maxAttempts)
      .where("cancel_requested", "=", 0)
      .returning(["job_id", "last_seq", "attempts"])
      .execute();
    for (const row of requeued) {
      const reason = "The process running the job stopped before it finished; the job was queued again.";
      await this.insertEvents(row.job_id, Number(row.last_seq), [{ type: "retry", attempt: Number(row.attempts) + 1, reason }]);
    }
    return cancelled + failed + requeued.length;
  }

  /** Deletes jobs that finished before `cutoff` (epoch ms) and their events; returns how many jobs. */
  async deleteFinishedBefore(cutoff: number): Promise<number> {
    const old = this.db.selectFrom("jobs").select("job_id").where("finished_at", "<", cutoff);
    // Events first: a crash in between leaves jobs whose events are gone, which the next sweep deletes.
    await this.db.deleteFrom("job_events").where("job_id", "in", old).execute();
    const deleted = await this.db.deleteFrom("jobs").where("finished_at", "<", cutoff).executeTakeFirst();
    return Number(deleted.numDeletedRows);
  }

  /** The job's events after sequence number `afterSeq`, in order, at most `limit`. */
  async eventsAfter(jobId: string, afterSeq: number, limit: number): Promise<StoredEvent[]> {
    const rows = await this.db
      .selectFrom("job_events")
      .select(["seq", "data"])
      .where("job_id", "=", jobId)
      .where("seq", ">", afterSeq)
      .orderBy("seq")
      .limit(limit)
      .execute();
    return rows.map((row) => ({ seq: Number(row.seq), event: RunEventSchema.parse(JSON.parse(row.data)) }));
  }

  /** Inserts events whose sequence numbers were reserved: the last of them is `lastSeq`. */
  private async insertEvents(jobId: string, lastSeq: number, events: readonly RunEvent[]): Promise<void> {
    if (events.length === 0) return;
    const first = lastSeq - events.length + 1;
    const createdAt = this.now();
    await this.db
      .insertInto("job_events")
      .values(events.map((event, i) => ({ job_id: jobId, seq: first + i, type: event.type, data: JSON.stringify(event), created_at: createdAt })))
      .execute();
  }
}
