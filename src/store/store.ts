import type { BaseCheckpointSaver } from "@langchain/langgraph";
import { createCheckpoints, type Checkpoints } from "./checkpoints.js";
import { closeConnection, openConnection, type StoreConfig, type StoreDatabase } from "./connection.js";
import { migrateStore } from "./migrate.js";

/**
 * The service's persistent state, opened once per process: a SQLite file by default, PostgreSQL
 * when DATABASE_URL is set (then every replica shares it). Features build on it: their tables
 * through `db` (one migration file each, see migrations/index.ts), LangGraph's through `checkpoints`.
 */
export interface Store {
  readonly kind: StoreConfig["kind"];
  readonly db: StoreDatabase;
  readonly checkpoints: Checkpoints;
  readonly checkpointer: BaseCheckpointSaver;
  close(): Promise<void>;
}

/** Opens the store and brings its schema up to date (idempotent; safe when replicas start together). */
export async function openStore(config: StoreConfig): Promise<Store> {
  const connection = openConnection(config);
  const checkpoints = createCheckpoints(connection);
  try {
    await migrateStore(connection, () => checkpoints.setup());
  } catch (error) {
    await closeConnection(connection).catch(() => {});
    throw error;
  }
  let closed: Promise<void> | undefined;
  return {
    kind: connection.kind,
    db: connection.db,
    checkpoints,
    checkpointer: checkpoints.saver,
    close: () => (closed ??= closeConnection(connection)),
  };
}
