import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createServices, type AppServices } from "../src/app.js";
import { loadConfig } from "../src/config.js";
import { AskResultSchema } from "../src/contract.js";
import { buildServer, type ApiServer } from "../src/server/app.js";
import { ErrorResponseSchema, ThreadSchema } from "../src/server/schemas.js";
import { isStoreConnectionError } from "../src/store/store-unavailable.js";
import { postgresDatabase, TEST_DATABASE_URL, type TestDatabase } from "./helpers/state-db.js";
import { startTcpProxy, type TcpProxy } from "./helpers/tcp-proxy.js";

/**
 * PostgreSQL "restarting" under the service while thread questions are in flight. The machine's
 * PostgreSQL is shared with other tests, so it is never restarted: the service reaches it through a
 * TCP proxy on 127.0.0.1 that the test cuts (every connection killed, new ones refused) and restores.
 *
 * What must hold: a request that needs the database during the outage fails cleanly (503
 * STORE_UNAVAILABLE in the error shape, retryable); questions without a thread are still answered;
 * the service serves every thread again once the database is back; no turn acknowledged with a 200
 * is lost, and a failed request leaves either its whole turn or nothing.
 */

const THREADS = 4;
/** A bound on each client's questions; a client stops earlier, once it has two answers after the outage. */
const MAX_TURNS_PER_THREAD = 80;
const ANSWERS_AFTER_OUTAGE = 2;
const OUTAGE_MS = 3_000;
/** Pause after a failed request, as a client backing off would; also keeps the loops from spinning. */
const CLIENT_BACKOFF_MS = 150;
/** Short, so a question stuck behind a thread left locked fails the test with a 504 rather than a test timeout. */
const REQUEST_TIMEOUT_MS = 8_000;
const QUESTIONS = [
  "How is the HMAC signature computed?",
  "Where are the API error classes defined?",
  "How does the worker handle SIGTERM?",
  "How long are API key lookups cached?",
  "How is the Retry-After value computed when a tenant gets rate limited?",
];

interface Outcome {
  threadId: string;
  question: string;
  status: number;
  answer?: string;
  code?: string;
}

let indexCache: string;
let database: TestDatabase;
let proxy: TcpProxy;
let services: AppServices;
let app: ApiServer;
const logLines: string[] = [];

beforeAll(async () => {
  indexCache = await mkdtemp(path.join(tmpdir(), "reliability-pg-"));
  database = await postgresDatabase();
  const upstream = new URL(TEST_DATABASE_URL);
  proxy = await startTcpProxy({ host: upstream.hostname, port: Number(upstream.port || 5432) });
  const viaProxy = new URL(TEST_DATABASE_URL);
  viaProxy.hostname = "127.0.0.1";
  viaProxy.port = String(proxy.port);
  const config = loadConfig({ INDEX_CACHE_DIR: indexCache, ...database.env, DATABASE_URL: viaProxy.toString(), REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS), AUTH: "off", RATE_LIMIT_MAX: "0", LOG_LEVEL: "warn" });
  services = await createServices(config);
  app = buildServer({ config, services, logger: { stream: { write: (line) => void logLines.push(line) } } });
  await app.ready();
});

afterAll(async () => {
  await app?.close();
  await services?.close();
  await proxy?.close();
  await database?.cleanup();
  await rm(indexCache, { recursive: true, force: true });
});

const ask = (body: Record<string, unknown>) => app.inject({ method: "POST", url: "/ask", headers: { "content-type": "application/json" }, payload: JSON.stringify(body) });

async function askOnThread(threadId: string, question: string): Promise<Outcome> {
  const response = await ask({ question, threadId });
  if (response.statusCode === 200) return { threadId, question, status: 200, answer: AskResultSchema.parse(response.json()).answer };
  return { threadId, question, status: response.statusCode, code: ErrorResponseSchema.parse(response.json()).error.code };
}

const unexpectedErrorLogs = () => logLines.filter((line) => line.includes('"unexpected error"'));

describe("PostgreSQL restarted mid-run (a cut TCP proxy)", () => {
  it("fails requests that need the database with 503 STORE_UNAVAILABLE, keeps serving, and loses no acknowledged turn", async () => {
    // Before the outage: every thread exists and has a turn.
    const outcomes: Outcome[] = [];
    for (let t = 0; t < THREADS; t++) outcomes.push(await askOnThread(`outage-${t}`, `${QUESTIONS[t % QUESTIONS.length]} (thread ${t}, turn 0)`));
    expect(outcomes.map((o) => o.status)).toEqual(Array(THREADS).fill(200));

    // Each thread's client asks one question after another while the database goes away and comes
    // back, until it has been answered twice after the outage.
    let restored = false;
    const answeredAfterOutage = new Map<string, number>();
    let startOutage!: () => void;
    const outageMayStart = new Promise<void>((resolve) => (startOutage = resolve));
    const clients = Array.from({ length: THREADS }, async (_, t) => {
      const threadId = `outage-${t}`;
      for (let turn = 1; turn <= MAX_TURNS_PER_THREAD && (answeredAfterOutage.get(threadId) ?? 0) < ANSWERS_AFTER_OUTAGE; turn++) {
        const askedAfterRestore = restored;
        const outcome = await askOnThread(threadId, `${QUESTIONS[(t + turn) % QUESTIONS.length]} (thread ${t}, turn ${turn})`);
        outcomes.push(outcome);
        if (askedAfterRestore && outcome.status === 200) answeredAfterOutage.set(threadId, (answeredAfterOutage.get(threadId) ?? 0) + 1);
        if (turn === 3) startOutage();
        if (outcome.status !== 200) await sleep(CLIENT_BACKOFF_MS);
      }
    });
    const outage = (async () => {
      await outageMayStart;
      await proxy.cut();
      // While it is down: a thread's history cannot be read, a question without a thread is still answered, the process is alive.
      const history = await app.inject({ method: "GET", url: "/threads/outage-0" });
      const stateless = await ask({ question: "Where are the API error classes defined?" });
      const health = await app.inject({ method: "GET", url: "/healthz" });
      await sleep(OUTAGE_MS);
      await proxy.restore();
      restored = true;
      return { history, stateless, health };
    })();
    const [during] = await Promise.all([outage, ...clients]);

    expect(during.history.statusCode).toBe(503);
    expect(during.history.headers["retry-after"]).toBeDefined();
    expect(ErrorResponseSchema.parse(during.history.json()).error).toMatchObject({ code: "STORE_UNAVAILABLE", message: expect.stringMatching(/database/i) });
    // The database's address and the driver's message stay in the server.
    expect(during.history.body).not.toContain(String(proxy.port));
    expect(during.history.body).not.toMatch(/ECONNREFUSED|terminated/);
    expect(during.stateless.statusCode).toBe(200);
    expect(during.health.statusCode).toBe(200);

    // Every request finished either answered or with the store's own retryable error, never another 5xx.
    const failures = outcomes.filter((o) => o.status !== 200);
    expect(failures.length).toBeGreaterThan(0);
    for (const failure of failures) expect(failure, JSON.stringify(failure)).toMatchObject({ status: 503, code: "STORE_UNAVAILABLE" });

    // After the outage every thread is served again (no lease left stuck by a request that failed mid-run).
    expect(Object.fromEntries(answeredAfterOutage)).toEqual(Object.fromEntries(Array.from({ length: THREADS }, (_, t) => [`outage-${t}`, ANSWERS_AFTER_OUTAGE])));

    // No acknowledged turn is lost, none is duplicated, and a failed request left its whole turn or nothing.
    for (let t = 0; t < THREADS; t++) {
      const threadId = `outage-${t}`;
      const response = await app.inject({ method: "GET", url: `/threads/${threadId}` });
      expect(response.statusCode).toBe(200);
      const turns = ThreadSchema.parse(response.json()).turns;
      const acknowledged = outcomes.filter((o) => o.threadId === threadId && o.status === 200);
      const failed = new Set(outcomes.filter((o) => o.threadId === threadId && o.status !== 200).map((o) => o.question));
      const stored = turns.map((turn) => turn.question);
      expect(new Set(stored).size).toBe(stored.length);
      for (const ack of acknowledged) expect(turns.find((turn) => turn.question === ack.question)?.answer, ack.question).toBe(ack.answer);
      for (const question of stored) expect(acknowledged.some((o) => o.question === question) || failed.has(question), question).toBe(true);
      // Acknowledged turns keep the order they were answered in.
      const order = acknowledged.map((o) => stored.indexOf(o.question));
      expect(order).toEqual([...order].sort((a, b) => a - b));
      for (const turn of turns) expect(turn.answer.length).toBeGreaterThan(0);
    }
    expect(unexpectedErrorLogs()).toEqual([]);
  }, 60_000);
});

describe("telling a lost database connection from other failures", () => {
  const withCode = (message: string, code: string) => Object.assign(new Error(message), { code });

  it.each([
    ["a refused connection", withCode("connect ECONNREFUSED 127.0.0.1:5432", "ECONNREFUSED")],
    ["a reset connection", withCode("read ECONNRESET", "ECONNRESET")],
    ["node-postgres losing the server", new Error("Connection terminated unexpectedly")],
    ["a pool that cannot connect in time", new Error("timeout exceeded when trying to connect")],
    ["PostgreSQL shutting down (57P01)", withCode("terminating connection due to administrator command", "57P01")],
    ["PostgreSQL starting up (57P03)", withCode("the database system is starting up", "57P03")],
    ["a connection exception (08006)", withCode("connection failure", "08006")],
    ["every address refused", new AggregateError([withCode("connect ECONNREFUSED ::1:5432", "ECONNREFUSED")], "")],
    ["a wrapped cause", new Error("checkpoint write failed", { cause: new Error("Connection terminated unexpectedly") })],
  ])("counts %s as the store being unavailable", (_case, error) => {
    expect(isStoreConnectionError(error)).toBe(true);
  });

  it.each([
    ["a unique violation (23505)", withCode("duplicate key value violates unique constraint", "23505")],
    ["a syntax error (42601)", withCode("syntax error at or near", "42601")],
    ["an undefined table (42P01)", withCode('relation "threads" does not exist', "42P01")],
    ["an application error", new Error("the graph finished without a state")],
    ["a thrown string", "ECONNREFUSED"],
  ])("does not count %s", (_case, error) => {
    expect(isStoreConnectionError(error)).toBe(false);
  });
});
