import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { sql } from "kysely";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { PROJECT_ROOT } from "../src/config.js";
import { MIGRATIONS } from "../src/store/migrations/index.js";
import { openStore, type Store } from "../src/store/store.js";
import { DATABASES, type TestDatabase } from "./helpers/state-db.js";

/** Our tables and LangGraph's checkpointer tables, per dialect. */
const EXPECTED_TABLES = {
  sqlite: ["checkpoints", "job_events", "jobs", "store_migration_lock", "store_migrations", "threads", "writes"],
  postgres: ["checkpoint_blobs", "checkpoint_migrations", "checkpoint_writes", "checkpoints", "job_events", "jobs", "store_migration_lock", "store_migrations", "threads"],
};

async function tablesOf(store: Store, database: TestDatabase): Promise<string[]> {
  const schema = database.config.kind === "postgres" ? database.config.schema : undefined;
  const tables = await store.db.introspection.getTables({ withInternalKyselyTables: true });
  return tables
    .filter((table) => schema === undefined || table.schema === schema)
    .map((table) => table.name)
    .sort();
}

async function migrationsRun(store: Store): Promise<string[]> {
  const { rows } = await sql<{ name: string }>`select name from store_migrations order by name`.execute(store.db);
  return rows.map((row) => row.name);
}

describe.each(["sqlite", "postgres"] as const)("the %s store's migrations", (kind) => {
  let database: TestDatabase;
  const opened: Store[] = [];
  const open = async () => {
    const store = await openStore(database.config);
    opened.push(store);
    return store;
  };

  beforeEach(async () => {
    database = await DATABASES[kind]();
  });
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((store) => store.close()));
    await database.cleanup();
  });

  it("create our tables and LangGraph's on first open; opening again changes nothing", async () => {
    const first = await open();
    expect(await tablesOf(first, database)).toEqual(EXPECTED_TABLES[kind]);
    expect(await migrationsRun(first)).toEqual(Object.keys(MIGRATIONS));
    await first.close();

    const second = await open();
    expect(await tablesOf(second, database)).toEqual(EXPECTED_TABLES[kind]);
    expect(await migrationsRun(second)).toEqual(Object.keys(MIGRATIONS));
  });

  it("run once when several stores open the same database at the same moment", async () => {
    const stores = await Promise.all([open(), open(), open()]);
    expect(await migrationsRun(stores[0]!)).toEqual(Object.keys(MIGRATIONS));
    for (const store of stores) expect(await tablesOf(store, database)).toEqual(EXPECTED_TABLES[kind]);
    // Each store's connection works against the shared tables.
    await Promise.all(stores.map((store, i) => sql`insert into threads (thread_id, created_at, updated_at, turn_count) values (${`t${i}`}, '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z', 0)`.execute(store.db)));
    const { rows } = await sql<{ n: number | string }>`select count(*) as n from threads`.execute(stores[0]!.db);
    expect(Number(rows[0]!.n)).toBe(3);
  });
});

describe("the sqlite store opened by two processes at once", () => {
  it("migrates once and both processes end with the same schema", async () => {
    const database = await DATABASES.sqlite();
    try {
      const script = [
        'import { openStore } from "./src/store/store.js";',
        `const store = await openStore(${JSON.stringify(database.config)});`,
        'const { sql } = await import("kysely");',
        'const { rows } = await sql`select name from store_migrations`.execute(store.db);',
        "console.log(JSON.stringify(rows.map((row) => row.name)));",
        "await store.close();",
      ].join("\n");
      const run = () => promisify(execFile)(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], { cwd: PROJECT_ROOT });
      const outputs = await Promise.all([run(), run()]);
      for (const { stdout } of outputs) expect(JSON.parse(stdout.trim())).toEqual(Object.keys(MIGRATIONS));
    } finally {
      await database.cleanup();
    }
  });
});
