import type { Kysely, Migration } from "kysely";

/**
 * The thread registry: one row per conversation, beside LangGraph's checkpoint tables (which hold
 * the turns). It records when a thread was created and last answered, and the lease that lets
 * only one run at a time continue a thread, across every replica.
 */
export const threadsMigration: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable("threads")
      .addColumn("thread_id", "varchar(200)", (column) => column.primaryKey())
      .addColumn("created_at", "varchar(32)", (column) => column.notNull())
      .addColumn("updated_at", "varchar(32)", (column) => column.notNull())
      .addColumn("turn_count", "integer", (column) => column.notNull().defaultTo(0))
      .addColumn("lease_owner", "varchar(64)")
      // Epoch milliseconds: compared with the replica's clock when a lease is taken over.
      .addColumn("lease_expires_at", "bigint")
      .execute();
    await db.schema.createIndex("threads_updated_at").on("threads").column("updated_at").execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable("threads").execute();
  },
};
