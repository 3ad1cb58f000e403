import { setTimeout as sleep } from "node:timers/promises";
import type { PipelineName } from "../contract.js";
import type { GraphPipeline } from "../../graphs/pipelines.js";
import { AppError } from "../errors.js";
import { JobEventWriter } from "./job-events.js";
import type { JobNotifier } from "./job-notifier.js";
import type { ClaimedJob, JobStore } from "./job-store.js";
import { runToOutcome } from "./run-events.js";

export interface JobWorkerOptions {
  /** How many jobs this process runs at once. */
  workers: number;
  leaseMs: number;
  pollIntervalMs: number;
  /** A job's deadline, as a question's on POST /ask. */
  deadlineMs: number;
}

export interface JobLog {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

/** Why a worker stopped a job itself, as opposed to the job being cancelled or timing out. */
const SHUTTING_DOWN = new AppError("CANCELLED", "The service is shutting down.");
const LEASE_LOST = new AppError("CANCELLED", "The job's lease was lost; another replica has it.");

/**
 * The workers of one process. Each claims the oldest queued job from the store, runs it, and
 * records how it ended, then claims the next. While a job runs, its lease is renewed every poll
 * interval, and the same statement reads the job's cancel flag, so a cancellation asked of any
 * replica stops the job here within a poll interval (at once when asked of this one).
 */
export class JobWorkerPool {
  private readonly running = new Map<string, AbortController>();
  private readonly stopping = new AbortController();
  private loops: Promise<void>[] = [];

  constructor(
    private readonly store: JobStore,
    private readonly pipelines: Record<PipelineName, GraphPipeline>,
    private readonly notifier: JobNotifier,
    private readonly options: JobWorkerOptions,
    private readonly log: JobLog,
  ) {}

  start(): void {
    if (this.loops.length > 0 || this.stopping.signal.aborted) return;
    this.loops = Array.from({ length: this.options.workers }, () => this.work());
  }

  /** Stops claiming jobs; running ones are stopped and queued again for another replica (or this one, restarted). */
  async stop(): Promise<void> {
    this.stopping.abort();
    for (const controller of this.running.values()) controller.abort(SHUTTING_DOWN);
    await Promise.all(this.loops);
  }

  /** Stops a job running in this process at once; false when it is not running here. */
  cancel(jobId: string): boolean {
    const controller = this.running.get(jobId);
    controller?.abort(new AppError("CANCELLED", "The job was cancelled."));
    return controller !== undefined;
  }

  private async work(): Promise<void> {
    const { signal } = this.stopping;
    while (!signal.aborted) {
      let job: ClaimedJob | undefined;
      try {
        job = await this.store.claim(this.options.leaseMs);
      } catch (error) {
        this.log.warn({ err: error }, "jobs: could not claim a job from the store; retrying");
        await sleep(this.options.pollIntervalMs, undefined, { signal }).catch(() => undefined);
        continue;
      }
      if (job) await this.run(job);
      else await this.notifier.waitForQueued(this.options.pollIntervalMs, signal);
    }
  }

  private async run(job: ClaimedJob): Promise<void> {
    const controller = new AbortController();
    this.running.set(job.jobId, controller);
    const { signal } = controller;
    const stop = (reason: AppError) => {
      if (!signal.aborted) controller.abort(reason);
    };
    this.log.info({ jobId: job.jobId, attempt: job.attempts }, "job started");
    const writer = new JobEventWriter(this.store, job, {
      written: () => this.notifier.changed(job.jobId),
      leaseLost: () => stop(LEASE_LOST),
      writeFailed: (error) => this.log.warn({ jobId: job.jobId, err: error }, "jobs: could not write a job's events; retrying with the next ones"),
    });
    const deadline = setTimeout(
      () => stop(new AppError("DEADLINE_EXCEEDED", `The job did not finish within ${this.options.deadlineMs} ms; submit it again, or ask something narrower.`)),
      this.options.deadlineMs,
    );
    const heartbeat = this.keepLease(job, signal, stop);
    try {
      const { question, pipeline, threadId, userId } = job.request;
      const outcome = await runToOutcome(
        (onEvent) => this.pipelines[pipeline].run(question, { ...(threadId ? { threadId } : {}), ...(userId ? { userId } : {}), signal, onEvent }),
        {
          signal,
          onEvent: (event) => writer.add(event),
          onUnexpectedError: (error) => this.log.error({ jobId: job.jobId, err: error }, "job failed unexpectedly"),
        },
      );
      await writer.flush();
      if (signal.reason === LEASE_LOST) {
        this.log.warn({ jobId: job.jobId }, "job's lease was lost; leaving it to the replica that has it");
      } else if (signal.reason === SHUTTING_DOWN && outcome.status !== "succeeded") {
        const requeued = await this.store.release(job, "The replica running the job shut down; the job was queued again.");
        if (!requeued) await this.store.finish(job, { status: "cancelled", error: { code: "CANCELLED", message: "The job was cancelled.", retryable: false } });
        this.log.info({ jobId: job.jobId, requeued }, "job stopped by shutdown");
      } else {
        const recorded = await this.store.finish(job, outcome);
        this.log.info({ jobId: job.jobId, status: outcome.status, recorded }, "job finished");
      }
    } catch (error) {
      // The store is unreachable: the lease expires and another replica (or this one) runs the job again.
      this.log.error({ jobId: job.jobId, err: error }, "jobs: could not record a job's outcome; it will be retried when its lease expires");
    } finally {
      clearTimeout(deadline);
      stop(new AppError("CANCELLED", "The job is over."));
      await heartbeat;
      this.running.delete(job.jobId);
      this.notifier.changed(job.jobId);
    }
  }

  /** Renews the lease every poll interval until the job ends; stops the job when it is cancelled or the lease is lost. */
  private async keepLease(job: ClaimedJob, signal: AbortSignal, stop: (reason: AppError) => void): Promise<void> {
    while (!signal.aborted) {
      await sleep(this.options.pollIntervalMs, undefined, { signal }).catch(() => undefined);
      if (signal.aborted) return;
      try {
        const { held, cancelRequested } = await this.store.renewLease(job, this.options.leaseMs);
        if (!held) stop(LEASE_LOST);
        else if (cancelRequested) stop(new AppError("CANCELLED", "The job was cancelled."));
      } catch (error) {
        // A missed renewal is survivable: the lease lasts several poll intervals.
        this.log.warn({ jobId: job.jobId, err: error }, "jobs: could not renew a job's lease");
      }
    }
  }
}
