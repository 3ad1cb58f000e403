import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ZodError } from "zod";
import { openStore, type Store } from "../src/store/store.js";
import { ThreadRegistry } from "../src/store/thread-registry.js";
import { DATABASES, type TestDatabase } from "./helpers/state-db.js";

describe.each(["sqlite", "postgres"] as const)("the thread registry on %s", (kind) => {
  let database: TestDatabase;
  let store: Store;
  let clock = Date.parse("2026-11-22T10:00:00.000Z");
  let registry: ThreadRegistry;

  beforeAll(async () => {
    database = await DATABASES[kind]();
    store = await openStore(database.config);
    registry = new ThreadRegistry(store.db, () => clock);
  });
  afterAll(async () => {
    await store.close();
    await database.cleanup();
  });

  it("gives a thread's lease to one run at a time", async () => {
    const first = await registry.tryLease("lease-1", 60_000);
    expect(first).toBeDefined();
    expect(await registry.tryLease("lease-1", 60_000)).toBeUndefined();
    // Another thread is not affected.
    expect(await registry.tryLease("lease-2", 60_000)).toBeDefined();

    await registry.release(first!, 1);
    const second = await registry.tryLease("lease-1", 60_000);
    expect(second).toBeDefined();
    expect(second!.owner).not.toBe(first!.owner);
  });

  it("records the thread's size and times, and keeps the count after a failed run", async () => {
    const lease = await registry.tryLease("sized", 60_000);
    expect(await registry.get("sized")).toEqual({ threadId: "sized", createdAt: "2026-11-22T10:00:00.000Z", updatedAt: "2026-11-22T10:00:00.000Z", turnCount: 0 });
    clock += 5_000;
    await registry.release(lease!, 3);
    expect(await registry.get("sized")).toMatchObject({ createdAt: "2026-11-22T10:00:00.000Z", updatedAt: "2026-11-22T10:00:05.000Z", turnCount: 3 });
    await registry.release((await registry.tryLease("sized", 60_000))!);
    expect((await registry.get("sized"))!.turnCount).toBe(3);
  });

  it("lets a run take over a lease its holder let expire (a replica that died mid-run), and ignores the late release", async () => {
    const stale = await registry.tryLease("expiring", 1_000);
    clock += 999;
    expect(await registry.tryLease("expiring", 1_000)).toBeUndefined();
    clock += 2;
    const fresh = await registry.tryLease("expiring", 1_000);
    expect(fresh).toBeDefined();
    // The first holder finishes late: its release must not free the new holder's lease.
    await registry.release(stale!, 7);
    expect(await registry.tryLease("expiring", 1_000)).toBeUndefined();
    expect((await registry.get("expiring"))!.turnCount).toBe(0);
  });

  it("removes a thread's row once", async () => {
    await registry.tryLease("removed", 60_000);
    expect(await registry.remove("removed")).toBe(true);
    expect(await registry.get("removed")).toBeUndefined();
    expect(await registry.remove("removed")).toBe(false);
  });

  it("validates rows read back: a corrupt row is an error, not a bad value passed on", async () => {
    await sql`insert into threads (thread_id, created_at, updated_at, turn_count) values ('corrupt', 'yesterday', 'today', 0)`.execute(store.db);
    await expect(registry.get("corrupt")).rejects.toBeInstanceOf(ZodError);
  });
});
