import path from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig, PROJECT_ROOT } from "../src/config.js";

describe("where the store lives (configuration)", () => {
  it("is a SQLite file under the project's .cache by default, with a 2000-token thread context", () => {
    const config = loadConfig({});
    expect(config.store).toEqual({ kind: "sqlite", path: path.join(PROJECT_ROOT, ".cache/state.sqlite") });
    expect(config.threads).toEqual({ contextTokens: 2000 });
  });

  it("keeps :memory: as is and resolves a relative STATE_DB_PATH", () => {
    expect(loadConfig({ STATE_DB_PATH: ":memory:" }).store).toEqual({ kind: "sqlite", path: ":memory:" });
    expect(loadConfig({ STATE_DB_PATH: "data/state.db" }).store).toEqual({ kind: "sqlite", path: path.resolve("data/state.db") });
  });

  it("is PostgreSQL when DATABASE_URL is set, in DATABASE_SCHEMA (public by default)", () => {
    expect(loadConfig({ DATABASE_URL: "postgres://app:secret@db:5432/qa", STATE_DB_PATH: "ignored.sqlite" }).store).toEqual({
      kind: "postgres",
      url: "postgres://app:secret@db:5432/qa",
      schema: "public",
    });
    expect(loadConfig({ DATABASE_URL: "postgresql://db/qa", DATABASE_SCHEMA: "repo_qa" }).store).toMatchObject({ schema: "repo_qa" });
  });

  it.each([
    ["a DATABASE_URL of another database", { DATABASE_URL: "mysql://db/qa" }, "DATABASE_URL: must be a postgres:// or postgresql:// URL"],
    ["a DATABASE_SCHEMA that is not a plain identifier", { DATABASE_SCHEMA: 'x"; drop table threads; --' }, "DATABASE_SCHEMA: must be a lowercase SQL identifier"],
    ["a negative THREAD_CONTEXT_TOKENS", { THREAD_CONTEXT_TOKENS: "-1" }, "THREAD_CONTEXT_TOKENS"],
  ])("refuses %s, naming the variable", (_case, env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });
});
