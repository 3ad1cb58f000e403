import type { Kysely, Migration } from "kysely";

/**
 * Background jobs (POST /jobs) and the events each one reported. Every replica claims queued jobs
 * from `jobs`, holds a running one with a lease it renews, and appends to `job_events`, which any
 * replica can replay and tail. Times are epoch milliseconds, compared with the replica's clock.
 */
export const jobsMigration: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable("jobs")
      .addColumn("job_id", "varchar(36)", (column) => column.primaryKey())
      // Who submitted the job; only they can see or cancel it.
      .addColumn("caller_id", "varchar(64)", (column) => column.notNull())
      .addColumn("idempotency_key", "varchar(200)")
      // The POST /jobs body, as JSON.
      .addColumn("request", "text", (column) => column.notNull())
      .addColumn("status", "varchar(16)", (column) => column.notNull())
      .addColumn("progress_step", "varchar(32)")
      .addColumn("progress_label", "varchar(200)")
      .addColumn("result", "text")
      .addColumn("error", "text")
      .addColumn("attempts", "integer", (column) => column.notNull().defaultTo(0))
      .addColumn("cancel_requested", "integer", (column) => column.notNull().defaultTo(0))
      .addColumn("lease_owner", "varchar(36)")
      .addColumn("lease_expires_at", "bigint")
      // The sequence number of the job's last event; reserved before the events are written.
      .addColumn("last_seq", "integer", (column) => column.notNull().defaultTo(0))
      .addColumn("created_at", "bigint", (column) => column.notNull())
      .addColumn("started_at", "bigint")
      .addColumn("finished_at", "bigint")
      .execute();
    // NULL keys are distinct, so jobs without a key never collide.
    await db.schema.createIndex("jobs_caller_idempotency_key").on("jobs").columns(["caller_id", "idempotency_key"]).unique().execute();
    await db.schema.createIndex("jobs_status_created_at").on("jobs").columns(["status", "created_at"]).execute();
    await db.schema.createIndex("jobs_finished_at").on("jobs").column("finished_at").execute();

    await db.schema
      .createTable("job_events")
      .addColumn("job_id", "varchar(36)", (column) => column.notNull())
      .addColumn("seq", "integer", (column) => column.notNull())
      .addColumn("type", "varchar(16)", (column) => column.notNull())
      // The event as JSON (RunEventSchema).
      .addColumn("data", "text", (column) => column.notNull())
      .addColumn("created_at", "bigint", (column) => column.notNull())
      .addPrimaryKeyConstraint("job_events_pk", ["job_id", "seq"])
      .execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable("job_events").execute();
    await db.schema.dropTable("jobs").execute();
  },
};
