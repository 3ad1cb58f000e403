import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import type { StoreConfig } from "../../src/store/connection.js";

/**
 * Real databases for store and thread tests: a SQLite file in a temp directory, and a schema of
 * its own on the local PostgreSQL server (CI has one too). A PostgreSQL that cannot be reached
 * fails the tests: they are never skipped.
 */
export const TEST_DATABASE_URL = process.env["TEST_DATABASE_URL"] ?? "postgres://postgres@127.0.0.1:5432/test";

export interface TestDatabase {
  config: StoreConfig;
  /** The same database as environment variables, for loadConfig. */
  env: Record<string, string>;
  cleanup(): Promise<void>;
}

export async function sqliteDatabase(): Promise<TestDatabase> {
  const directory = await mkdtemp(path.join(tmpdir(), "repo-qa-state-"));
  const file = path.join(directory, "state.sqlite");
  return { config: { kind: "sqlite", path: file }, env: { STATE_DB_PATH: file }, cleanup: () => rm(directory, { recursive: true, force: true }) };
}

/** A schema no other test run uses; dropped (with everything in it) by cleanup. */
export async function postgresDatabase(): Promise<TestDatabase> {
  const schema = `test_${process.pid}_${randomBytes(4).toString("hex")}`;
  return {
    config: { kind: "postgres", url: TEST_DATABASE_URL, schema },
    env: { DATABASE_URL: TEST_DATABASE_URL, DATABASE_SCHEMA: schema },
    cleanup: () => queryPostgres(`drop schema if exists "${schema}" cascade`).then(() => undefined),
  };
}

export async function queryPostgres<Row extends object = Record<string, unknown>>(text: string, values: unknown[] = []): Promise<Row[]> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  try {
    return (await client.query<Row>(text, values)).rows;
  } finally {
    await client.end();
  }
}

export const DATABASES = { sqlite: sqliteDatabase, postgres: postgresDatabase } as const;
