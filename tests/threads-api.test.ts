import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createServices, type AppServices } from "../src/app.js";
import { loadConfig } from "../src/config.js";
import type { RepositoryIndex } from "../src/index/repository-index.js";
import { buildServer, type ApiServer } from "../src/server/app.js";
import { ThreadSchema } from "../src/server/schemas.js";
import { DATABASES, type TestDatabase } from "./helpers/state-db.js";

/** GET and DELETE /threads/:threadId over HTTP, on both stores, with the turns POST /ask adds. */

let indexCache: string;
let index: RepositoryIndex;

beforeAll(async () => {
  indexCache = await mkdtemp(path.join(tmpdir(), "threads-api-"));
  const bootstrap = await createServices(loadConfig({ INDEX_CACHE_DIR: indexCache, STATE_DB_PATH: ":memory:" }));
  index = bootstrap.index;
  await bootstrap.close();
});
afterAll(() => rm(indexCache, { recursive: true, force: true }));

describe.each(["sqlite", "postgres"] as const)("the threads API on %s", (kind) => {
  let database: TestDatabase;
  let services: AppServices;
  let app: ApiServer;

  beforeAll(async () => {
    database = await DATABASES[kind]();
    const config = loadConfig({ INDEX_CACHE_DIR: indexCache, ...database.env });
    services = await createServices(config, { index });
    app = buildServer({ config, services, logger: false });
    await app.ready();
  });
  afterAll(async () => {
    await app.close();
    await services.close();
    await database.cleanup();
  });

  const ask = (body: Record<string, unknown>) => app.inject({ method: "POST", url: "/ask", headers: { "content-type": "application/json" }, payload: JSON.stringify(body) });

  it("returns a thread's turns, oldest first, with question, answer, route, citations and time", async () => {
    const before = Date.now();
    const first = (await ask({ question: "how is the HMAC signature computed?", threadId: "api-1" })).json();
    const second = (await ask({ question: "and where is it tested?", threadId: "api-1", pipeline: "baseline" })).json();

    const response = await app.inject({ method: "GET", url: "/threads/api-1" });
    expect(response.statusCode).toBe(200);
    const thread = ThreadSchema.parse(response.json());
    expect(thread).toEqual({
      threadId: "api-1",
      turns: [
        { question: "how is the HMAC signature computed?", answer: first.answer, route: first.route, citations: first.citations, at: expect.any(String) },
        { question: "and where is it tested?", answer: second.answer, route: null, citations: second.citations, at: expect.any(String) },
      ],
    });
    const times = thread.turns.map((turn) => Date.parse(turn.at));
    expect(times[0]).toBeGreaterThanOrEqual(before - 1);
    expect(times[1]).toBeGreaterThanOrEqual(times[0]!);
  });

  it("forgets a thread on DELETE: 204, then 404, its checkpoints gone, and the id starts afresh", async () => {
    await ask({ question: "how are retries scheduled?", threadId: "api-2" });
    const deleted = await app.inject({ method: "DELETE", url: "/threads/api-2" });
    expect(deleted.statusCode).toBe(204);
    expect(deleted.body).toBe("");
    expect(await services.store.checkpointer.getTuple({ configurable: { thread_id: "api-2", checkpoint_ns: "" } })).toBeUndefined();
    expect((await app.inject({ method: "GET", url: "/threads/api-2" })).statusCode).toBe(404);
    expect((await app.inject({ method: "DELETE", url: "/threads/api-2" })).statusCode).toBe(404);

    await ask({ question: "what does the worker do?", threadId: "api-2" });
    expect((await app.inject({ method: "GET", url: "/threads/api-2" })).json().turns.map((t: { question: string }) => t.question)).toEqual(["what does the worker do?"]);
  });

  it.each(["GET", "DELETE"] as const)("answers %s of an unknown thread with 404 NOT_FOUND naming it", async (method) => {
    const response = await app.inject({ method, url: "/threads/never-used" });
    expect(response.statusCode).toBe(404);
    expect(response.json().error).toMatchObject({ code: "NOT_FOUND", message: expect.stringContaining('"never-used"') });
  });

  it.each([
    ["characters outside the rule", "a%20b", "threadId: may contain only letters, digits and . _ : -"],
    ["a slash", "a%2Fb", "threadId: may contain only letters, digits and . _ : -"],
    ["more than 200 characters", "x".repeat(201), "threadId: must be at most 200 characters"],
  ])("refuses a thread id with %s with 400 INVALID_REQUEST", async (_case, id, message) => {
    for (const method of ["GET", "DELETE"] as const) {
      const response = await app.inject({ method, url: `/threads/${id}` });
      expect(response.statusCode).toBe(400);
      expect(response.json().error).toMatchObject({ code: "INVALID_REQUEST", message: `Invalid request params: ${message}.` });
    }
  });

  it("accepts every character the rule allows, as POST /ask does", async () => {
    const id = "Thread_1.a:b-c";
    expect((await ask({ question: "how are retries scheduled?", threadId: id })).statusCode).toBe(200);
    expect((await app.inject({ method: "GET", url: `/threads/${id}` })).statusCode).toBe(200);
  });
});

describe("the OpenAPI document", () => {
  it("describes GET and DELETE /threads/{threadId} with their schemas", async () => {
    const app = buildServer({ config: loadConfig({}), logger: false });
    await app.ready();
    try {
      const document = (await app.inject({ method: "GET", url: "/openapi.json" })).json();
      const operations = document.paths["/threads/{threadId}"];
      expect(Object.keys(operations).sort()).toEqual(["delete", "get"]);
      expect(operations.get.parameters).toEqual([expect.objectContaining({ name: "threadId", in: "path", required: true })]);
      const thread = operations.get.responses["200"].content["application/json"].schema;
      expect(thread.required).toEqual(["threadId", "turns"]);
      expect(thread.properties.turns.items.required).toEqual(["question", "answer", "route", "citations", "at"]);
      expect(Object.keys(operations.get.responses)).toEqual(expect.arrayContaining(["200", "4XX", "5XX"]));
      expect(Object.keys(operations.delete.responses)).toEqual(expect.arrayContaining(["204", "4XX", "5XX"]));
    } finally {
      await app.close();
    }
  });
});
