import { setTimeout as sleep } from "node:timers/promises";
import { z } from "zod";
import type { Checkpoints } from "./checkpoints.js";
import { isStoreConnectionError, whileStoreReachable } from "./store-unavailable.js";
import type { ThreadLease, ThreadRegistry } from "./thread-registry.js";
import { ThreadTurnSchema, type ThreadTurn } from "./thread-turns.js";

export interface ThreadMemoryOptions {
  /**
   * How long a run may hold a thread. A replica that dies mid-run leaves its lease behind; after
   * this long another run takes the thread over. Set above the request deadline.
   */
  leaseMs: number;
}

/** Waits between attempts to take a thread another replica is running: short at first, then backing off. */
const FIRST_POLL_MS = 25;
const LONGEST_POLL_MS = 500;
/** Waits between attempts to give a lease back while the database is unreachable. */
const FIRST_RELEASE_RETRY_MS = 250;
const LONGEST_RELEASE_RETRY_MS = 2_000;

const StoredTurnsSchema = z.array(ThreadTurnSchema);

/**
 * The threads' persistent memory: LangGraph's checkpointer holds each thread's state (its turns
 * among it), and the registry makes one run at a time continue a thread, across every replica.
 */
export class ThreadMemory {
  /** Runs waiting for a thread in this process, so they queue here rather than poll the database. */
  private readonly queues = new Map<string, Promise<unknown>>();

  constructor(
    private readonly checkpoints: Checkpoints,
    private readonly registry: ThreadRegistry,
    private readonly options: ThreadMemoryOptions,
  ) {}

  get checkpointer() {
    return this.checkpoints.saver;
  }

  /** The thread's turns, oldest first; undefined for a thread that does not exist (never used, or forgotten). */
  async turns(threadId: string): Promise<ThreadTurn[] | undefined> {
    const tuple = await whileStoreReachable(() => this.checkpoints.saver.getTuple({ configurable: { thread_id: threadId, checkpoint_ns: "" } }));
    if (!tuple) return undefined;
    return StoredTurnsSchema.parse(tuple.checkpoint.channel_values["turns"] ?? []);
  }

  /**
   * Runs `run` as the only run of the thread, then keeps only the thread's latest checkpoint (it
   * holds the whole thread state) and records the thread's size. `turnsAfter` reads the number of
   * turns from the run's result. A database that cannot be reached (before, during or after the
   * run: the checkpointer reads and writes inside it) fails it with STORE_UNAVAILABLE.
   */
  async continueThread<T>(threadId: string, run: () => Promise<T>, turnsAfter: (result: T) => number, signal?: AbortSignal): Promise<T> {
    return whileStoreReachable(() => this.continueExclusively(threadId, run, turnsAfter, signal));
  }

  private continueExclusively<T>(threadId: string, run: () => Promise<T>, turnsAfter: (result: T) => number, signal?: AbortSignal): Promise<T> {
    return this.exclusively(threadId, signal, async (lease) => {
      let turnCount: number | undefined;
      try {
        const result = await run();
        turnCount = turnsAfter(result);
        return result;
      } finally {
        try {
          // Also after a failed run: LangGraph checkpoints on exit either way.
          await this.checkpoints.keepLatestOnly(threadId);
        } catch {
          // Retention is not the answer: a failed clean-up leaves an extra checkpoint, which the
          // thread's next run deletes with the others.
        }
        await this.giveBack(lease, turnCount);
      }
    });
  }

  /** Deletes the thread: its checkpoints and its registry row. False when it did not exist. */
  async forget(threadId: string, signal?: AbortSignal): Promise<boolean> {
    return whileStoreReachable(() =>
      this.exclusively(threadId, signal, async () => {
        const existed = (await this.turns(threadId)) !== undefined;
        await this.checkpoints.saver.deleteThread(threadId);
        await this.registry.remove(threadId);
        return existed;
      }),
    );
  }

  /**
   * Gives the lease back. When the database cannot be reached just then, the run's outcome stands
   * (its checkpoint was written, or not, before this) and the release is retried in the background:
   * otherwise the thread would stay held until the lease expires (leaseMs, minutes), and every
   * question on it would wait that long once the database is back.
   */
  private async giveBack(lease: ThreadLease, turnCount: number | undefined): Promise<void> {
    try {
      await this.registry.release(lease, turnCount);
    } catch (error) {
      if (!isStoreConnectionError(error)) throw error;
      void this.releaseWhenReachable(lease, turnCount);
    }
  }

  private async releaseWhenReachable(lease: ThreadLease, turnCount: number | undefined): Promise<void> {
    // Past the lease's expiry another run may take the thread anyway; no need to keep trying.
    const expiresAt = Date.now() + this.options.leaseMs;
    for (let wait = FIRST_RELEASE_RETRY_MS; Date.now() < expiresAt; wait = Math.min(wait * 2, LONGEST_RELEASE_RETRY_MS)) {
      // Unreferenced: a process shutting down does not wait for these retries.
      await sleep(wait, undefined, { ref: false });
      try {
        await this.registry.release(lease, turnCount);
        return;
      } catch (error) {
        // Still unreachable: try again. Anything else (the store was closed): stop.
        if (!isStoreConnectionError(error)) return;
      }
    }
  }

  private async exclusively<T>(threadId: string, signal: AbortSignal | undefined, work: (lease: ThreadLease) => Promise<T>): Promise<T> {
    const previous = this.queues.get(threadId) ?? Promise.resolve();
    const current = previous.then(async () => {
      signal?.throwIfAborted();
      const lease = await this.lease(threadId, signal);
      return work(lease);
    });
    const settled = current.then(
      () => undefined,
      () => undefined,
    );
    this.queues.set(threadId, settled);
    try {
      return await current;
    } finally {
      if (this.queues.get(threadId) === settled) this.queues.delete(threadId);
    }
  }

  /** Takes the thread's lease, waiting (until `signal` aborts) while a run on another replica holds it. */
  private async lease(threadId: string, signal: AbortSignal | undefined): Promise<ThreadLease> {
    for (let wait = FIRST_POLL_MS; ; wait = Math.min(wait * 2, LONGEST_POLL_MS)) {
      const lease = await this.registry.tryLease(threadId, this.options.leaseMs);
      if (lease) return lease;
      await sleep(wait, undefined, signal ? { signal } : {});
    }
  }
}
