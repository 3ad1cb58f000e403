import type { BaseCheckpointSaver } from "@langchain/langgraph";
import { PostgresSaver } from "@langchain/langgraph-checkpoint-postgres";
import { SqliteSaver } from "@langchain/langgraph-checkpoint-sqlite";
import { sql } from "kysely";
import type { Connection } from "./connection.js";

/**
 * LangGraph's checkpointer on the store's own connection, and the retention that keeps it bounded.
 *
 * The tables are LangGraph's (SqliteSaver: `checkpoints`, `writes`; PostgresSaver: `checkpoints`,
 * `checkpoint_blobs`, `checkpoint_writes`), so the queries below follow each saver's layout
 * rather than one schema of ours.
 */
export interface Checkpoints {
  readonly saver: BaseCheckpointSaver;
  /** Creates LangGraph's tables if missing. Not safe to run concurrently: the store runs it under its migration lock. */
  setup(): Promise<void>;
  /**
   * Deletes every checkpoint of a thread but the latest, with their pending writes (and, on
   * PostgreSQL, the channel blobs only they referenced). The latest checkpoint holds the whole
   * thread state, so nothing a later run reads is lost.
   */
  keepLatestOnly(threadId: string): Promise<void>;
}

/** LangGraph's checkpoint tables, as far as retention reads them. */
type CheckpointTables = {
  checkpoints: { thread_id: string; checkpoint_ns: string; checkpoint_id: string };
  writes: { thread_id: string; checkpoint_ns: string; checkpoint_id: string };
  checkpoint_writes: { thread_id: string; checkpoint_ns: string; checkpoint_id: string };
  checkpoint_blobs: { thread_id: string; checkpoint_ns: string; channel: string; version: string };
};

/** SqliteSaver sets its tables up lazily, on first use; the store runs it at start-up, once, under its lock. */
class EagerSqliteSaver extends SqliteSaver {
  public override setup(): void {
    super.setup();
  }
}

/** Top-level checkpoints only: the graphs have no subgraphs, whose namespaces would be non-empty. */
const ROOT_NAMESPACE = "";

export function createCheckpoints(connection: Connection): Checkpoints {
  const db = connection.db.withTables<CheckpointTables>();
  const latestId = db
    .selectFrom("checkpoints")
    .select((eb) => eb.fn.max("checkpoint_id").as("latest"))
    .where("checkpoint_ns", "=", ROOT_NAMESPACE);

  if (connection.kind === "sqlite") {
    const saver = new EagerSqliteSaver(connection.sqlite);
    return {
      saver,
      setup: async () => saver.setup(),
      async keepLatestOnly(threadId) {
        const latest = latestId.where("thread_id", "=", threadId);
        const deletes = [
          db.deleteFrom("writes").where("thread_id", "=", threadId).where("checkpoint_ns", "=", ROOT_NAMESPACE).where("checkpoint_id", "<", latest).compile(),
          db.deleteFrom("checkpoints").where("thread_id", "=", threadId).where("checkpoint_ns", "=", ROOT_NAMESPACE).where("checkpoint_id", "<", latest).compile(),
        ];
        // One synchronous transaction, as SqliteSaver writes: a SQLite transaction left open across
        // an await would block every other connection to the file, even one in this process.
        connection.sqlite.transaction(() => {
          for (const query of deletes) connection.sqlite.prepare(query.sql).run(...query.parameters);
        })();
      },
    };
  }

  const saver = new PostgresSaver(connection.pool, undefined, { schema: connection.schema });
  return {
    saver,
    setup: () => saver.setup(),
    async keepLatestOnly(threadId) {
      const latest = latestId.where("thread_id", "=", threadId);
      await db.transaction().execute(async (trx) => {
        await trx.deleteFrom("checkpoint_writes").where("thread_id", "=", threadId).where("checkpoint_ns", "=", ROOT_NAMESPACE).where("checkpoint_id", "<", latest).execute();
        await trx.deleteFrom("checkpoints").where("thread_id", "=", threadId).where("checkpoint_ns", "=", ROOT_NAMESPACE).where("checkpoint_id", "<", latest).execute();
        // A blob is one version of one channel; checkpoints refer to the versions they hold in
        // `channel_versions`. Blobs no remaining checkpoint refers to are garbage.
        await trx
          .deleteFrom("checkpoint_blobs as blob")
          .where("blob.thread_id", "=", threadId)
          .where("blob.checkpoint_ns", "=", ROOT_NAMESPACE)
          .where(({ not, exists }) =>
            not(
              exists(
                sql`(select 1 from checkpoints cp, jsonb_each_text(cp.checkpoint -> 'channel_versions') held
                     where cp.thread_id = blob.thread_id and cp.checkpoint_ns = blob.checkpoint_ns
                       and held.key = blob.channel and held.value = blob.version)`,
              ),
            ),
          )
          .execute();
      });
    },
  };
}
