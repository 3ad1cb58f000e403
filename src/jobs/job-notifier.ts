import { EventEmitter, once } from "node:events";

/**
 * Wake-ups within one process: a job queued here wakes this process's idle workers, and events
 * written here wake this process's event streams at once. Other replicas learn the same things by
 * polling the store, so nothing depends on a wake-up arriving: every wait also ends after a timeout.
 */
export class JobNotifier {
  private readonly emitter = new EventEmitter().setMaxListeners(0);

  queued(): void {
    this.emitter.emit("queued");
  }

  changed(jobId: string): void {
    this.emitter.emit(`job:${jobId}`);
  }

  /** Resolves when a job is queued in this process, after `timeoutMs`, or when `signal` aborts. */
  waitForQueued(timeoutMs: number, signal: AbortSignal): Promise<void> {
    return this.wait("queued", timeoutMs, signal);
  }

  /** Resolves when the job changes in this process, after `timeoutMs`, or when `signal` aborts. */
  waitForChange(jobId: string, timeoutMs: number, signal: AbortSignal): Promise<void> {
    return this.wait(`job:${jobId}`, timeoutMs, signal);
  }

  private async wait(name: string, timeoutMs: number, signal: AbortSignal): Promise<void> {
    if (signal.aborted) return;
    const done = AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]);
    await once(this.emitter, name, { signal: done }).catch(() => undefined);
  }
}
