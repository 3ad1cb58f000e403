import { setTimeout as sleep } from "node:timers/promises";
import { z } from "zod";
import type { Checkpoints } from "./checkpoints.js";
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
    const tuple = await this.checkpoints.saver.getTuple({ configurable: { thread_id: threadId, checkpoint_ns: "" } });
    if (!tuple) return undefined;
    return StoredTurnsSchema.parse(tuple.checkpoint.channel_values["turns"] ?? []);
  }

  /**
   * Runs `run` as the only run of the thread, then keeps only the thread's latest checkpoint (it
   * holds the whole thread state) and records the thread's size. `turnsAfter` reads the number of
   * turns from the run's result.
   */
  async continueThread<T>(threadId: string, run: () => Promise<T>, turnsAfter: (result: T) => number, signal?: AbortSignal): Promise<T> {
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
        await this.registry.release(lease, turnCount);
      }
    });
  }

  /** Deletes the thread: its checkpoints and its registry row. False when it did not exist. */
  async forget(threadId: string, signal?: AbortSignal): Promise<boolean> {
    return this.exclusively(threadId, signal, async () => {
      const existed = (await this.turns(threadId)) !== undefined;
      await this.checkpoints.saver.deleteThread(threadId);
      await this.registry.remove(threadId);
      return existed;
    });
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
