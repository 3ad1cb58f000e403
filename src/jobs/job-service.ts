import type { GraphPipeline } from "../../graphs/pipelines.js";
import type { AppConfig } from "../config.js";
import type { PipelineName } from "../contract.js";
import type { StoreDatabase } from "../store/connection.js";
import { followJobEvents } from "./job-events.js";
import { JobNotifier } from "./job-notifier.js";
import { JobStore, type CancelOutcome, type JobRecord, type JobRequest, type StoredEvent } from "./job-store.js";
import { JobMaintenance } from "./maintenance.js";
import { JobWorkerPool, type JobLog } from "./worker.js";

export type { CancelOutcome, JobRecord, JobRequest, StoredEvent } from "./job-store.js";
export type { JobLog } from "./worker.js";

/** Housekeeping runs this many times per lease, so a dead process's job waits at most a lease and a third for another replica. */
const MAINTENANCE_PASSES_PER_LEASE = 3;

const SILENT: JobLog = { info: () => {}, warn: () => {}, error: () => {} };

export interface JobServiceOptions {
  jobs: AppConfig["jobs"];
  /** A job's deadline (REQUEST_TIMEOUT_MS, as for POST /ask). */
  deadlineMs: number;
}

/**
 * Background jobs: what the routes use. Jobs and their events live in the store, so any replica
 * answers for any job; this process's workers (started by the server, see `startWorkers`) run
 * queued jobs alongside every other replica's.
 */
export class JobService {
  private readonly store: JobStore;
  private readonly notifier = new JobNotifier();
  private workers: JobWorkerPool | undefined;
  private maintenance: JobMaintenance | undefined;

  constructor(
    database: StoreDatabase,
    dialect: "sqlite" | "postgres",
    private readonly pipelines: Record<PipelineName, GraphPipeline>,
    private readonly options: JobServiceOptions,
  ) {
    this.store = new JobStore(database, dialect);
  }

  /** Queues a job; with an idempotency key the caller already used, returns that job instead (`created: false`). */
  async submit(callerId: string, request: JobRequest, idempotencyKey?: string): Promise<{ job: JobRecord; created: boolean }> {
    const submitted = await this.store.create(callerId, request, idempotencyKey);
    if (submitted.created) this.notifier.queued();
    return submitted;
  }

  get(jobId: string, callerId: string): Promise<JobRecord | undefined> {
    return this.store.get(jobId, callerId);
  }

  async cancel(jobId: string, callerId: string): Promise<CancelOutcome> {
    const outcome = await this.store.requestCancel(jobId, callerId, { code: "CANCELLED", message: "The job was cancelled.", retryable: false });
    // Running here: stop it now rather than at the next lease renewal.
    if (outcome.kind === "cancelling") this.workers?.cancel(jobId);
    if (outcome.kind === "cancelled") this.notifier.changed(jobId);
    return outcome;
  }

  /** The job's events after `afterSeq`, then live ones until it is done (see followJobEvents). */
  events(jobId: string, afterSeq: number, signal: AbortSignal): AsyncGenerator<StoredEvent> {
    return followJobEvents(this.store, jobId, afterSeq, { signal, pollIntervalMs: this.options.jobs.pollIntervalMs, notifier: this.notifier });
  }

  /** Starts this process's workers (JOB_WORKERS of them) and the store's housekeeping. */
  startWorkers(log: JobLog = SILENT): void {
    if (this.workers) return;
    const { jobs, deadlineMs } = this.options;
    this.workers = new JobWorkerPool(this.store, this.pipelines, this.notifier, { workers: jobs.workers, leaseMs: jobs.leaseMs, pollIntervalMs: jobs.pollIntervalMs, deadlineMs }, log);
    this.maintenance = new JobMaintenance(
      this.store,
      { intervalMs: Math.max(jobs.pollIntervalMs, Math.floor(jobs.leaseMs / MAINTENANCE_PASSES_PER_LEASE)), maxAttempts: jobs.maxAttempts, retentionMs: jobs.retentionMs },
      log,
      () => this.notifier.queued(),
    );
    this.maintenance.start();
    this.workers.start();
  }

  /** Stops the workers (running jobs are queued again) and the housekeeping. Safe to call twice. */
  async stopWorkers(): Promise<void> {
    await Promise.all([this.workers?.stop(), this.maintenance?.stop()]);
  }
}
