import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createServices, type AppServices } from "../src/app.js";
import { loadConfig } from "../src/config.js";
import type { RunEvent } from "../src/contract.js";
import { buildServer, type ApiServer } from "../src/server/app.js";
import { sqliteDatabase, type TestDatabase } from "./helpers/state-db.js";
import { eventually, heldSpecialist, openSse } from "./helpers/streaming.js";
import { SAMPLE_QUESTION_PER_ROUTE as PER_ROUTE } from "./helpers/sample-questions.js";

/** POST /ask/stream over real HTTP, offline, on the bundled sample repository. */

const KEY = "stream-test-key-0123456789";
const AUTH = { authorization: `Bearer ${KEY}` };

let database: TestDatabase;
let cacheDirectory: string;
let services: AppServices;
let app: ApiServer;
let baseUrl: string;

beforeAll(async () => {
  database = await sqliteDatabase();
  cacheDirectory = await mkdtemp(path.join(tmpdir(), "stream-ask-index-"));
  const config = loadConfig({ ...database.env, INDEX_CACHE_DIR: cacheDirectory, API_KEYS: KEY, LOG_LEVEL: "silent" });
  services = await createServices(config);
  app = buildServer({ config, services, logger: false });
  baseUrl = await app.listen({ host: "127.0.0.1", port: 0 });
});

afterAll(async () => {
  await app?.close();
  await services?.close();
  await database?.cleanup();
  await rm(cacheDirectory, { recursive: true, force: true });
});

const stream = (body: unknown, headers: Record<string, string> = AUTH) => openSse(`${baseUrl}/ask/stream`, { method: "POST", headers, body });

const indexOf = (events: RunEvent[], predicate: (event: RunEvent) => boolean) => events.findIndex(predicate);
const lastIndexOf = (events: RunEvent[], predicate: (event: RunEvent) => boolean) => events.findLastIndex(predicate);

describe("POST /ask/stream", () => {
  it.each(PER_ROUTE)("streams a $route question: route, tool calls, evidence, answer, done", async ({ route, question, file }) => {
    const connection = await stream({ question });
    expect(connection.status).toBe(200);
    expect(connection.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
    expect(connection.headers.get("x-request-id")).toBeTruthy();
    const frames = await connection.events();
    const events = frames.map((frame) => frame.event);

    // Ids count up from 1 without a gap: what a client would resume from.
    expect(frames.map((frame) => frame.id)).toEqual(frames.map((_, i) => i + 1));

    const routeEvent = events.find((event) => event.type === "route");
    expect(routeEvent).toMatchObject({ type: "route", route, dispatched: expect.arrayContaining([route]) });
    const firstTool = indexOf(events, (event) => event.type === "tool");
    const firstEvidence = indexOf(events, (event) => event.type === "evidence");
    const answerAt = indexOf(events, (event) => event.type === "answer");
    expect(indexOf(events, (event) => event.type === "route")).toBeLessThan(firstTool);
    expect(firstTool).toBeLessThan(firstEvidence);
    expect(lastIndexOf(events, (event) => event.type === "evidence")).toBeLessThan(answerAt);
    expect(events.at(-1)).toEqual({ type: "done", status: "succeeded" });
    expect(answerAt).toBe(events.length - 2);

    // Steps name what is happening, in the graph's order.
    const steps = events.flatMap((event) => (event.type === "step" ? [event.step] : []));
    expect(steps.slice(0, 2)).toEqual(["recalling", "routing"]);
    expect(steps.slice(-2)).toEqual(["synthesizing", "remembering"]);

    // Every call is reported as it starts and as it ends, and the answer's record agrees.
    const answer = events[answerAt] as Extract<RunEvent, { type: "answer" }>;
    const started = events.filter((event) => event.type === "tool" && event.status === "started");
    const finished = events.filter((event): event is Extract<RunEvent, { type: "tool" }> => event.type === "tool" && event.status === "finished");
    expect(started).toHaveLength(answer.result.toolsCalled.length);
    expect(finished.map(({ node, name, args, resultCount }) => ({ node, name, args, resultCount }))).toEqual(
      expect.arrayContaining(answer.result.toolsCalled.map(({ node, name, args, resultCount }) => ({ node, name, args, resultCount }))),
    );
    for (const call of finished) expect(call.ms).toBeGreaterThanOrEqual(0);

    // The evidence events name the files the answer cites.
    const foundPaths = events.flatMap((event) => (event.type === "evidence" ? event.paths : []));
    expect(foundPaths).toContain(file);
    expect(answer.result).toMatchObject({ route, pipeline: "orchestrated", notFound: false });
    expect(answer.result.citations.map((citation) => citation.path)).toContain(file);
    // Offline, no model streams: no tokens.
    expect(events.some((event) => event.type === "token")).toBe(false);
  });

  it("streams the baseline, which does not route", async () => {
    const events = (await (await stream({ question: PER_ROUTE[0].question, pipeline: "baseline" })).events()).map((frame) => frame.event);
    expect(events.some((event) => event.type === "route")).toBe(false);
    expect(events.filter((event) => event.type === "tool").every((event) => event.type === "tool" && event.node === "baseline")).toBe(true);
    expect(events.at(-2)).toMatchObject({ type: "answer", result: { pipeline: "baseline", route: null } });
    expect(events.at(-1)).toEqual({ type: "done", status: "succeeded" });
  });

  it("continues a thread, like POST /ask", async () => {
    const threadId = `stream-thread-${Date.now()}`;
    await (await stream({ question: PER_ROUTE[3].question, threadId })).events();
    const events = (await (await stream({ question: "And which version of the first one?", threadId })).events()).map((frame) => frame.event);
    expect(events.at(-1)).toEqual({ type: "done", status: "succeeded" });
    const thread = await fetch(`${baseUrl}/threads/${threadId}`, { headers: AUTH });
    expect(((await thread.json()) as { turns: unknown[] }).turns).toHaveLength(2);
  });

  it.each([
    ["an empty question", { question: "" }, "question: must not be empty"],
    ["an unknown field", { question: "hi", stream: true }, 'Unrecognized key: "stream"'],
  ])("answers %s with a 400 JSON error before any stream", async (_case, body, expected) => {
    const connection = await stream(body);
    expect(connection.status).toBe(400);
    expect(connection.headers.get("content-type")).toContain("application/json");
    expect(connection.json).toMatchObject({ error: { code: "INVALID_REQUEST", message: expect.stringContaining(expected) } });
  });

  it("requires an API key like every other route", async () => {
    const connection = await stream({ question: "hi" }, {});
    expect(connection.status).toBe(401);
    expect(connection.json).toMatchObject({ error: { code: "UNAUTHORIZED" } });
  });

  it("is described in the OpenAPI document as an event stream", async () => {
    const document = (await (await fetch(`${baseUrl}/openapi.json`)).json()) as { paths: Record<string, Record<string, { responses: Record<string, { content?: object }> }>> };
    expect(Object.keys(document.paths["/ask/stream"]!["post"]!.responses["200"]!.content!)).toEqual(["text/event-stream"]);
  });
});

describe("POST /ask/stream when the run fails after the stream opened", () => {
  const held = heldSpecialist();
  let slowServices: AppServices;
  let slowApp: ApiServer;
  let slowUrl: string;

  beforeAll(async () => {
    // The general specialist never finishes, so the run meets its deadline mid-stream.
    const config = loadConfig({ ...database.env, INDEX_CACHE_DIR: cacheDirectory, AUTH: "off", LOG_LEVEL: "silent", REQUEST_TIMEOUT_MS: "300" });
    slowServices = await createServices(config, { index: services.index, store: services.store, specialists: { general: held } });
    slowApp = buildServer({ config, services: slowServices, logger: false });
    slowUrl = await slowApp.listen({ host: "127.0.0.1", port: 0 });
  });
  afterAll(async () => {
    await slowApp?.close();
    await slowServices?.close();
  });

  it("ends with an error event (code, message, retryable), then done, on the 200 stream, and aborts the run", async () => {
    const connection = await openSse(`${slowUrl}/ask/stream`, { method: "POST", body: { question: PER_ROUTE[3].question } });
    expect(connection.status).toBe(200);
    const events = (await connection.events()).map((frame) => frame.event);
    expect(events.some((event) => event.type === "route")).toBe(true);
    expect(events.at(-2)).toEqual({ type: "error", code: "DEADLINE_EXCEEDED", message: expect.stringContaining("300 ms"), retryable: true });
    expect(events.at(-1)).toEqual({ type: "done", status: "failed" });
    expect(events.some((event) => event.type === "answer")).toBe(false);
    // The deadline reached the specialist that was still working.
    await eventually(() => (held.aborted > 0 ? true : undefined), "the specialist to see the abort");
  });
});
