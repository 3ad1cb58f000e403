import type { JobLog } from "./worker.js";
import type { JobStore } from "./job-store.js";

export interface JobMaintenanceOptions {
  intervalMs: number;
  maxAttempts: number;
  retentionMs: number;
}

/**
 * The store's housekeeping, run by every replica at start-up and then periodically (the statements
 * are safe to run on several replicas at once): jobs whose process died go back to the queue (or
 * fail after `maxAttempts`), and finished jobs older than the retention are deleted with their events.
 */
export class JobMaintenance {
  private timer: NodeJS.Timeout | undefined;
  private pass: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: JobStore,
    private readonly options: JobMaintenanceOptions,
    private readonly log: JobLog,
    private readonly afterPass: () => void = () => {},
    private readonly now: () => number = Date.now,
  ) {}

  start(): void {
    if (this.timer) return;
    this.pass = this.runOnce();
    this.timer = setInterval(() => {
      this.pass = this.pass.then(() => this.runOnce());
    }, this.options.intervalMs);
    // Housekeeping alone does not keep a process alive.
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.pass;
  }

  /** One pass; failures are logged and the next pass tries again. */
  async runOnce(): Promise<void> {
    try {
      const reaped = await this.store.reapExpiredLeases(this.options.maxAttempts);
      if (reaped > 0) this.log.warn({ jobs: reaped }, "jobs: re-queued or ended jobs whose process stopped before they finished");
      const deleted = await this.store.deleteFinishedBefore(this.now() - this.options.retentionMs);
      if (deleted > 0) this.log.info({ jobs: deleted }, "jobs: deleted finished jobs past their retention");
      if (reaped > 0) this.afterPass();
    } catch (error) {
      this.log.warn({ err: error }, "jobs: housekeeping failed; retrying at the next pass");
    }
  }
}
