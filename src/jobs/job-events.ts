import type { RunEvent } from "../contract.js";
import type { JobNotifier } from "./job-notifier.js";
import { FINISHED_STATUSES, type ClaimedJob, type JobRecord, type JobStore, type StoredEvent } from "./job-store.js";
import { finalEvents, type RunOutcome } from "./run-events.js";

/** How long a running job's events wait to be written together: the store gets a few writes a second, not one per token. */
const FLUSH_DELAY_MS = 50;
/** Events read from the store at a time. */
const PAGE_SIZE = 200;

/**
 * Writes a running job's events to the store in small batches, in order. Consecutive tokens of
 * one node are joined into one event (a model streams many tiny pieces). The latest step goes
 * with them and becomes the job's `progress`. A failed write keeps its events for the next one.
 */
export class JobEventWriter {
  private pending: RunEvent[] = [];
  private progress: { step: string; label: string } | undefined;
  private writing: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly store: JobStore,
    private readonly job: ClaimedJob,
    private readonly hooks: {
      /** The events reached the store. */
      written(): void;
      /** The job's lease is gone: another replica has the job now. */
      leaseLost(): void;
      writeFailed(error: unknown): void;
    },
  ) {}

  add(event: RunEvent): void {
    if (event.type === "step") this.progress = { step: event.step, label: event.label };
    const last = this.pending.at(-1);
    if (event.type === "token" && last?.type === "token" && last.node === event.node) this.pending[this.pending.length - 1] = { ...last, text: last.text + event.text };
    else this.pending.push(event);
    this.timer ??= setTimeout(() => void this.flush(), FLUSH_DELAY_MS);
  }

  /** Writes what is pending; resolves once everything added so far has been written (or has failed). */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.writing = this.writing.then(() => this.write());
    return this.writing;
  }

  private async write(): Promise<void> {
    const events = this.pending.splice(0);
    const progress = this.progress;
    this.progress = undefined;
    if (events.length === 0 && !progress) return;
    try {
      if (await this.store.appendEvents(this.job, events, progress)) this.hooks.written();
      else this.hooks.leaseLost();
    } catch (error) {
      this.pending.unshift(...events);
      this.progress ??= progress;
      this.hooks.writeFailed(error);
    }
  }
}

/** The outcome a finished job's row records. */
export function outcomeOf(job: JobRecord): RunOutcome {
  if (job.status === "succeeded" && job.result) return { status: "succeeded", result: job.result };
  const status = job.status === "cancelled" ? "cancelled" : "failed";
  return { status, error: job.error ?? { code: "INTERNAL", message: "The job ended without recording why.", retryable: false } };
}

export interface FollowOptions {
  signal: AbortSignal;
  pollIntervalMs: number;
  notifier: JobNotifier;
}

/**
 * A job's events after `afterSeq`: first those already stored (a reconnecting client's replay),
 * then each new one as it is written, until `done`. Written on another replica, an event is seen
 * at the next poll; written here, at once. A job whose row says it finished but whose closing
 * events never arrived (its writer died in between) is closed from the row, with the sequence
 * numbers reserved for those events.
 */
export async function* followJobEvents(store: JobStore, jobId: string, afterSeq: number, options: FollowOptions): AsyncGenerator<StoredEvent> {
  let cursor = afterSeq;
  let sawFinished = false;
  while (!options.signal.aborted) {
    const batch = await store.eventsAfter(jobId, cursor, PAGE_SIZE);
    for (const stored of batch) {
      yield stored;
      cursor = stored.seq;
      if (stored.event.type === "done") return;
    }
    if (batch.length === PAGE_SIZE) continue;
    const job = await store.get(jobId);
    // Deleted by retention while followed: there is nothing more to say.
    if (!job) return;
    if (FINISHED_STATUSES.has(job.status)) {
      if (cursor >= job.lastSeq) return;
      if (sawFinished) {
        const closing = finalEvents(outcomeOf(job));
        const first = job.lastSeq - closing.length + 1;
        for (const [i, event] of closing.entries()) if (first + i > cursor) yield { seq: first + i, event };
        return;
      }
      // The closing events are written just after the row: look once more before rebuilding them.
      sawFinished = true;
    }
    await options.notifier.waitForChange(jobId, options.pollIntervalMs, options.signal);
  }
}
