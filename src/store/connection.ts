import { mkdirSync } from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { Kysely, PostgresDialect, SqliteDialect } from "kysely";
import pg from "pg";
import type { AppConfig } from "../config.js";

export type StoreConfig = AppConfig["store"];

/**
 * The database behind the store, typed by no table yet: each module that owns tables adds their
 * types with `db.withTables<…>()`, so a new table never edits a shared type.
 */
export type StoreDatabase = Kysely<Record<never, never>>;

/** An open connection: one Kysely instance over SQLite (one connection) or a PostgreSQL pool. */
export type Connection =
  | { kind: "sqlite"; db: StoreDatabase; sqlite: Database.Database }
  | { kind: "postgres"; db: StoreDatabase; pool: pg.Pool; schema: string };

/** How long a SQLite statement waits for another process's write lock before failing with SQLITE_BUSY. */
const SQLITE_BUSY_TIMEOUT_MS = 10_000;
const POSTGRES_POOL_SIZE = 10;

function openSqlite(file: string): Connection {
  if (file !== ":memory:") mkdirSync(path.dirname(file), { recursive: true });
  const sqlite = new Database(file);
  // WAL lets readers run beside the one writer, so several processes (replicas, test workers) can share the file.
  sqlite.pragma("journal_mode = WAL");
  sqlite.pragma(`busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
  return { kind: "sqlite", db: new Kysely({ dialect: new SqliteDialect({ database: sqlite }) }), sqlite };
}

function openPostgres(url: string, schema: string): Connection {
  const pool = new pg.Pool({
    connectionString: url,
    max: POSTGRES_POOL_SIZE,
    // Unqualified table names resolve in the store's schema (validated as a plain identifier in config).
    options: `-c search_path=${schema}`,
  });
  // An idle client that loses its connection (a server restart) is dropped from the pool; without a
  // listener the pool's "error" event would crash the process. The next query reconnects.
  pool.on("error", () => {});
  // The pool listens only to idle clients. A client that loses its connection while checked out (a
  // query or transaction in progress when the server restarts) fails its queries and then emits
  // "error" too, which without a listener would crash the process; the pool drops it on release.
  pool.on("connect", (client) => client.on("error", () => {}));
  return { kind: "postgres", db: new Kysely({ dialect: new PostgresDialect({ pool }) }), pool, schema };
}

export function openConnection(config: StoreConfig): Connection {
  return config.kind === "postgres" ? openPostgres(config.url, config.schema) : openSqlite(config.path);
}

export async function closeConnection(connection: Connection): Promise<void> {
  // Kysely's destroy closes the SQLite handle or ends the pool it was given.
  await connection.db.destroy();
}
