import { Migrator, sql } from "kysely";
import type { Connection } from "./connection.js";
import { MIGRATIONS } from "./migrations/index.js";

const MIGRATION_TABLE = "store_migrations";
const MIGRATION_LOCK_TABLE = "store_migration_lock";

export class StoreMigrationError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "StoreMigrationError";
  }
}

function migratorFor(connection: Connection, disableTransactions = false): Migrator {
  return new Migrator({
    db: connection.db,
    provider: { getMigrations: async () => ({ ...MIGRATIONS }) },
    migrationTableName: MIGRATION_TABLE,
    migrationLockTableName: MIGRATION_LOCK_TABLE,
    disableTransactions,
    ...(connection.kind === "postgres" ? { migrationTableSchema: connection.schema } : {}),
  });
}

async function migrateToLatest(connection: Connection, disableTransactions: boolean): Promise<void> {
  const { error, results = [] } = await migratorFor(connection, disableTransactions).migrateToLatest();
  if (error) {
    const failed = results.find((result) => result.status === "Error")?.migrationName;
    const reason = error instanceof Error ? error.message : String(error);
    throw new StoreMigrationError(`The state database could not be migrated${failed ? ` (migration ${failed})` : ""}: ${reason}`, { cause: error });
  }
}

async function hasPendingMigrations(connection: Connection): Promise<boolean> {
  return (await migratorFor(connection).getMigrations()).some((migration) => migration.executedAt === undefined);
}

/** SQLite migrations in progress in this process, by database file. */
const sqliteMigrations = new Map<string, Promise<void>>();

/**
 * SQLite: one `BEGIN IMMEDIATE` transaction takes the database's write lock before anything is
 * read, so another process waits (busy timeout) and then finds the migrations done; Kysely's own
 * deferred transaction would let both read "not migrated" and one of them fail on upgrade. That
 * transaction spans awaits, during which a second connection in this process would block the
 * event loop waiting for the lock, so migrations of one file also queue within the process, and
 * an up-to-date database is not locked at all.
 */
async function migrateSqlite(connection: Extract<Connection, { kind: "sqlite" }>, afterMigrations: () => Promise<void>): Promise<void> {
  const file = connection.sqlite.name;
  const previous = sqliteMigrations.get(file) ?? Promise.resolve();
  const current = previous.then(async () => {
    if (await hasPendingMigrations(connection)) {
      await sql`begin immediate`.execute(connection.db);
      try {
        await migrateToLatest(connection, true);
        await sql`commit`.execute(connection.db);
      } catch (error) {
        await sql`rollback`.execute(connection.db);
        throw error;
      }
    }
    // LangGraph's setup sets the journal mode, which SQLite refuses inside a transaction; its
    // CREATE TABLE IF NOT EXISTS statements are synchronous and safe to repeat.
    await afterMigrations();
  });
  const settled = current.catch(() => {});
  sqliteMigrations.set(file, settled);
  try {
    await current;
  } finally {
    if (sqliteMigrations.get(file) === settled) sqliteMigrations.delete(file);
  }
}

/**
 * PostgreSQL: a session advisory lock per schema serialises start-ups, so replicas that start
 * together run the migrations once. LangGraph's own setup() is not safe to run concurrently
 * (it can race on CREATE SCHEMA and on its migration rows), so it runs under the same lock.
 */
async function migratePostgres(connection: Extract<Connection, { kind: "postgres" }>, afterMigrations: () => Promise<void>): Promise<void> {
  const client = await connection.pool.connect();
  const lockName = `repo-qa-store:${connection.schema}`;
  let broken: Error | undefined;
  try {
    await client.query("select pg_advisory_lock(hashtext($1))", [lockName]);
    try {
      await migrateToLatest(connection, false);
      await afterMigrations();
    } finally {
      await client.query("select pg_advisory_unlock(hashtext($1))", [lockName]).catch((error: Error) => (broken = error));
    }
  } finally {
    // A client whose unlock failed is discarded, which ends its session and so frees the lock.
    client.release(broken);
  }
}

/**
 * Brings the store's schema up to date: our migrations, then `afterMigrations` (LangGraph's table
 * setup). Idempotent, and safe when several processes start at once.
 */
export async function migrateStore(connection: Connection, afterMigrations: () => Promise<void> = async () => {}): Promise<void> {
  if (connection.kind === "postgres") await migratePostgres(connection, afterMigrations);
  else await migrateSqlite(connection, afterMigrations);
}
