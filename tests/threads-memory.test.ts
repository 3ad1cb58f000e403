import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createServices, type AppServices } from "../src/app.js";
import { loadConfig } from "../src/config.js";
import type { RepositoryIndex } from "../src/index/repository-index.js";
import { AskState, runInput } from "../graphs/state.js";
import { DATABASES, type TestDatabase } from "./helpers/state-db.js";

/**
 * Thread memory through the real pipelines (offline provider, sample repository) on both stores:
 * a thread's turns accumulate, while every per-run channel starts empty; checkpoints stay
 * bounded; replicas on one PostgreSQL share threads; a SQLite thread survives a restart.
 */

const FIRST = "how is the HMAC signature computed?";
const FOLLOW_UP = "and where is it tested?";
const TEST_FILE = "tests/hmac.test.ts";

let indexCache: string;
let index: RepositoryIndex;

beforeAll(async () => {
  indexCache = await mkdtemp(path.join(tmpdir(), "threads-memory-"));
  const bootstrap = await createServices(loadConfig({ INDEX_CACHE_DIR: indexCache, STATE_DB_PATH: ":memory:" }));
  index = bootstrap.index;
  await bootstrap.close();
});
afterAll(() => rm(indexCache, { recursive: true, force: true }));

/** A "replica": services of their own (store, pipelines) over the shared index. */
const replicaOf = (database: TestDatabase, env: Record<string, string> = {}) =>
  createServices(loadConfig({ INDEX_CACHE_DIR: indexCache, ...database.env, ...env }), { index });

/** The thread's checkpoint as LangGraph restores it: every channel of the graph state. */
async function storedState(services: AppServices, threadId: string): Promise<Record<string, unknown>> {
  const tuple = await services.store.checkpointer.getTuple({ configurable: { thread_id: threadId, checkpoint_ns: "" } });
  if (!tuple) throw new Error(`no checkpoint for ${threadId}`);
  return tuple.checkpoint.channel_values;
}

async function rowCount(services: AppServices, table: string, threadId?: string): Promise<number> {
  const where = threadId === undefined ? sql`` : sql` where thread_id = ${threadId}`;
  const { rows } = await sql<{ n: number | string }>`select count(*) as n from ${sql.table(table)}${where}`.execute(services.store.db);
  return Number(rows[0]!.n);
}

const CHECKPOINT_TABLES = { sqlite: ["checkpoints", "writes"], postgres: ["checkpoints", "checkpoint_writes", "checkpoint_blobs"] } as const;

describe("a run's input", () => {
  it("resets every channel of the graph state but the thread's turns (a new channel cannot be forgotten)", () => {
    const channels = Object.keys(AskState.fields).filter((channel) => channel !== "turns");
    expect(Object.keys(runInput("q")).sort()).toEqual(channels.sort());
  });
});

describe.each(["sqlite", "postgres"] as const)("threads on %s", (kind) => {
  let database: TestDatabase;
  let services: AppServices;

  beforeAll(async () => {
    database = await DATABASES[kind]();
    services = await replicaOf(database);
  });
  afterAll(async () => {
    await services.close();
    await database.cleanup();
  });

  const rowsOfThread = async (threadId: string) =>
    Object.fromEntries(await Promise.all(CHECKPOINT_TABLES[kind].map(async (table) => [table, await rowCount(services, table, threadId)] as const)));

  it.each(["orchestrated", "baseline"] as const)("%s: turns accumulate while evidence, tool calls, outputs, usage and warnings start empty every question", async (pipeline) => {
    const threadId = `accumulate-${pipeline}`;
    const first = await services.pipelines[pipeline].run(FIRST, { threadId });
    const second = await services.pipelines[pipeline].run(FOLLOW_UP, { threadId });

    const state = await storedState(services, threadId);
    expect((state["turns"] as Array<{ question: string }>).map((turn) => turn.question)).toEqual([FIRST, FOLLOW_UP]);
    // The append channels hold the second question's items only.
    expect(state["toolsCalled"]).toEqual(second.toolsCalled);
    expect((state["specialistOutputs"] as unknown[]).length).toBe(pipeline === "orchestrated" ? second.routesRun.length : 1);
    expect((state["usage"] as Array<{ node: string }>).map((u) => u.node)).toEqual(
      pipeline === "orchestrated" ? ["router", ...second.routesRun, "synthesize"] : ["baseline", "synthesize"],
    );
    expect(state["warnings"]).toEqual(second.warnings);
    expect(state["failures"]).toEqual([]);
    const storedEvidence = state["evidence"] as Array<{ path: string; startLine: number }>;
    expect(storedEvidence.length).toBeGreaterThan(0);
    for (const item of storedEvidence) expect(second.evidence.some((e) => e.path === item.path && e.startLine === item.startLine)).toBe(true);
    // And so does the answer: nothing of the first question's tool calls comes back.
    const queries = (result: typeof first) => result.toolsCalled.map((call) => JSON.stringify(call.args));
    expect(queries(second).some((query) => queries(first).includes(query))).toBe(false);
  });

  it("keeps the route of each turn, whichever pipeline answered it, and the baseline does not inherit the router's", async () => {
    const threadId = "mixed-pipelines";
    const first = await services.pipelines.orchestrated.run(FIRST, { threadId });
    const second = await services.pipelines.baseline.run(FOLLOW_UP, { threadId });
    expect(first.route).not.toBeNull();
    expect(second.route).toBeNull();
    const turns = await services.threads.turns(threadId);
    expect(turns!.map((turn) => [turn.question, turn.route])).toEqual([
      [FIRST, first.route],
      [FOLLOW_UP, null],
    ]);
    expect(turns!.map((turn) => turn.citations)).toEqual([first.citations, second.citations]);
    expect((await storedState(services, threadId))["route"]).toBeNull();
  });

  it("keeps one checkpoint per thread, however many turns it has", async () => {
    const threadId = "bounded";
    const questions = [FIRST, FOLLOW_UP, "what about the worker?"];
    for (const [i, question] of questions.entries()) {
      await services.pipelines[i % 2 === 0 ? "orchestrated" : "baseline"].run(question, { threadId });
      const rows = await rowsOfThread(threadId);
      expect(rows["checkpoints"]).toBe(1);
      expect(rows[kind === "sqlite" ? "writes" : "checkpoint_writes"]).toBe(0);
      if (kind === "postgres") {
        // One blob per channel version the remaining checkpoint holds: none left over from earlier turns.
        const tuple = await services.store.checkpointer.getTuple({ configurable: { thread_id: threadId, checkpoint_ns: "" } });
        expect(rows["checkpoint_blobs"]).toBe(Object.keys(tuple!.checkpoint.channel_versions).length);
      }
    }
    expect(await services.threads.turns(threadId)).toHaveLength(3);
  });

  it("leaves nothing behind for a question without a thread", async () => {
    const before = await Promise.all(["checkpoints", "threads"].map((table) => rowCount(services, table)));
    await services.pipelines.orchestrated.run(FIRST);
    expect(await Promise.all(["checkpoints", "threads"].map((table) => rowCount(services, table)))).toEqual(before);
  });

  it("records both questions when two arrive on one thread at once", async () => {
    const threadId = "simultaneous";
    await Promise.all([services.pipelines.orchestrated.run(FIRST, { threadId }), services.pipelines.baseline.run("how are retries scheduled?", { threadId })]);
    const questions = (await services.threads.turns(threadId))!.map((turn) => turn.question);
    expect(questions.sort()).toEqual([FIRST, "how are retries scheduled?"].sort());
  });
});

describe("two replicas on one PostgreSQL", () => {
  let database: TestDatabase;
  let replicas: AppServices[];

  beforeAll(async () => {
    database = await DATABASES.postgres();
    replicas = await Promise.all([replicaOf(database), replicaOf(database)]);
  });
  afterAll(async () => {
    await Promise.all(replicas.map((replica) => replica.close()));
    await database.cleanup();
  });

  it("continue each other's threads: a follow-up on one resolves against the turn asked on the other", async () => {
    const [a, b] = replicas as [AppServices, AppServices];
    await a.pipelines.orchestrated.run(FIRST, { threadId: "shared" });
    const followUp = await b.pipelines.orchestrated.run(FOLLOW_UP, { threadId: "shared" });
    expect(followUp.citations.map((c) => c.path)).toContain(TEST_FILE);
    expect((await a.threads.turns("shared"))!.map((turn) => turn.question)).toEqual([FIRST, FOLLOW_UP]);
  });

  it("take turns on a thread both are asked on at once: neither question is lost", async () => {
    const [a, b] = replicas as [AppServices, AppServices];
    const questions = ["how are retries scheduled?", "where is the rate limit configured?", "what does the worker do?", "how is an endpoint validated?"];
    await Promise.all(questions.map((question, i) => (i % 2 === 0 ? a : b).pipelines.baseline.run(question, { threadId: "contended" })));
    expect((await b.threads.turns("contended"))!.map((turn) => turn.question).sort()).toEqual([...questions].sort());
  });

  it("forget a thread for both when one deletes it", async () => {
    const [a, b] = replicas as [AppServices, AppServices];
    await a.pipelines.baseline.run(FIRST, { threadId: "forgotten" });
    expect(await b.threads.forget("forgotten")).toBe(true);
    expect(await a.threads.turns("forgotten")).toBeUndefined();
    const answer = await a.pipelines.baseline.run(FOLLOW_UP, { threadId: "forgotten" });
    // A fresh thread: nothing to resolve "it" against.
    expect(answer.citations.map((c) => c.path)).not.toContain(TEST_FILE);
  });
});

describe("a SQLite thread across a restart", () => {
  it("is still there, and still followed up, after the process's services are closed and built again", async () => {
    const database = await DATABASES.sqlite();
    try {
      const before = await replicaOf(database);
      await before.pipelines.orchestrated.run(FIRST, { threadId: "durable" });
      await before.close();

      const after = await replicaOf(database);
      try {
        const followUp = await after.pipelines.orchestrated.run(FOLLOW_UP, { threadId: "durable" });
        expect(followUp.citations.map((c) => c.path)).toContain(TEST_FILE);
        expect((await after.threads.turns("durable"))!.map((turn) => turn.question)).toEqual([FIRST, FOLLOW_UP]);
      } finally {
        await after.close();
      }
    } finally {
      await database.cleanup();
    }
  });
});
