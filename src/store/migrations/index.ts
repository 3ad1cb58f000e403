import type { Migration } from "kysely";
import { threadsMigration } from "./0001-threads.js";
import { jobsMigration } from "./0002-jobs.js";

/**
 * Every migration of the store, by name. Names sort in the order migrations run and a name, once
 * run somewhere, never changes. A new table is one migration file in this folder plus its line here.
 */
export const MIGRATIONS: Readonly<Record<string, Migration>> = {
  "0001-threads": threadsMigration,
  "0002-jobs": jobsMigration,
};
