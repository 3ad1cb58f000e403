import { randomUUID } from "node:crypto";
import { z } from "zod";
import type { StoreDatabase } from "./connection.js";

/** The `threads` table (migration 0001-threads). */
type ThreadsTable = {
  threads: {
    thread_id: string;
    created_at: string;
    updated_at: string;
    turn_count: number;
    lease_owner: string | null;
    lease_expires_at: number | string | null;
  };
};

/** A row as read back: PostgreSQL returns bigint columns as strings, SQLite as numbers. */
const ThreadRowSchema = z.object({
  thread_id: z.string(),
  created_at: z.iso.datetime(),
  updated_at: z.iso.datetime(),
  turn_count: z.coerce.number().int().nonnegative(),
  lease_owner: z.string().nullable(),
  lease_expires_at: z.coerce.number().int().nullable(),
});

export interface ThreadRecord {
  threadId: string;
  createdAt: string;
  updatedAt: string;
  turnCount: number;
}

/** A held lease: release it when the run is over. */
export interface ThreadLease {
  readonly threadId: string;
  readonly owner: string;
}

export class ThreadRegistry {
  private readonly db;

  constructor(
    database: StoreDatabase,
    private readonly now: () => number = Date.now,
  ) {
    this.db = database.withTables<ThreadsTable>();
  }

  async get(threadId: string): Promise<ThreadRecord | undefined> {
    const row = await this.db.selectFrom("threads").selectAll().where("thread_id", "=", threadId).executeTakeFirst();
    if (!row) return undefined;
    const parsed = ThreadRowSchema.parse(row);
    return { threadId: parsed.thread_id, createdAt: parsed.created_at, updatedAt: parsed.updated_at, turnCount: parsed.turn_count };
  }

  /**
   * Takes the thread's lease if nobody holds it (or the holder's lease expired, as when a replica
   * died mid-run); undefined when another run holds it. Creates the thread's row on first use.
   */
  async tryLease(threadId: string, leaseMs: number): Promise<ThreadLease | undefined> {
    const now = this.now();
    const at = new Date(now).toISOString();
    await this.db
      .insertInto("threads")
      .values({ thread_id: threadId, created_at: at, updated_at: at, turn_count: 0, lease_owner: null, lease_expires_at: null })
      .onConflict((conflict) => conflict.column("thread_id").doNothing())
      .execute();
    const owner = randomUUID();
    const taken = await this.db
      .updateTable("threads")
      .set({ lease_owner: owner, lease_expires_at: now + leaseMs })
      .where("thread_id", "=", threadId)
      .where((eb) => eb.or([eb("lease_expires_at", "is", null), eb("lease_expires_at", "<", now)]))
      .executeTakeFirst();
    return Number(taken.numUpdatedRows) === 1 ? { threadId, owner } : undefined;
  }

  /**
   * Gives the lease back and records the thread's size after the run (unknown after a failed run:
   * the count stays). A lease taken over meanwhile (ours had expired) is left to its new holder.
   */
  async release(lease: ThreadLease, turnCount?: number): Promise<void> {
    await this.db
      .updateTable("threads")
      .set({ lease_owner: null, lease_expires_at: null, updated_at: new Date(this.now()).toISOString(), ...(turnCount === undefined ? {} : { turn_count: turnCount }) })
      .where("thread_id", "=", lease.threadId)
      .where("lease_owner", "=", lease.owner)
      .execute();
  }

  /** Deletes the thread's row; true when there was one. */
  async remove(threadId: string): Promise<boolean> {
    const deleted = await this.db.deleteFrom("threads").where("thread_id", "=", threadId).executeTakeFirst();
    return Number(deleted.numDeletedRows) > 0;
  }
}
