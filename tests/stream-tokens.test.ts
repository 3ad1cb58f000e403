import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createServices, type AppServices } from "../src/app.js";
import { loadConfig } from "../src/config.js";
import type { RunEvent } from "../src/contract.js";
import { buildServer, type ApiServer } from "../src/server/app.js";
import { SPECIALISTS } from "../specialists/index.js";
import {
  drainScript,
  contentText,
  evidenceHeaders,
  match,
  messagesOf,
  reply,
  scriptedOpenAIEnv,
  startScriptedOpenAIServer,
  type ScriptedOpenAIServer,
  type ScriptStep,
} from "./helpers/scripted-openai-server.js";
import { sqliteDatabase, type TestDatabase } from "./helpers/state-db.js";
import { openSse } from "./helpers/streaming.js";

/**
 * With a chat model, POST /ask/stream carries the model's text as `token` events while it is
 * written (LangGraph's `messages` stream mode), and POST /ask still makes the same model calls
 * without streaming.
 */

let server: ScriptedOpenAIServer;
let database: TestDatabase;
let cacheDirectory: string;
let services: AppServices;
let app: ApiServer;
let baseUrl: string;

beforeAll(async () => {
  server = await startScriptedOpenAIServer();
  database = await sqliteDatabase();
  cacheDirectory = await mkdtemp(path.join(tmpdir(), "stream-tokens-index-"));
  const config = loadConfig({ ...(scriptedOpenAIEnv(server, cacheDirectory) as Record<string, string>), ...database.env, AUTH: "off", LOG_LEVEL: "silent" });
  services = await createServices(config);
  app = buildServer({ config, services, logger: false });
  baseUrl = await app.listen({ host: "127.0.0.1", port: 0 });
});
afterEach(() => expect(drainScript(server)).toEqual({ unmatched: [], pending: [] }));
afterAll(async () => {
  await app?.close();
  await services?.close();
  await server?.close();
  await database?.cleanup();
  await rm(cacheDirectory, { recursive: true, force: true });
});

const isCode = match.systemPromptIncludes(SPECIALISTS.code.systemPrompt);

/** Router → code; the code specialist looks the class up, then answers citing what it found. */
function scriptCodeAnswer(): { answer: () => string } {
  let answer = "";
  const steps: ScriptStep[] = [
    { label: "router", when: match.router, reply: reply.toolCall("route_question", { route: "code", confidence: 0.95, reason: "Asks about a method." }) },
    { label: "code: find_symbol", when: isCode, reply: reply.toolCall("find_symbol", { name: "TokenBucket" }) },
    {
      label: "code: answer",
      when: isCode,
      reply: (request) => {
        const evidence = evidenceHeaders(contentText(messagesOf(request, "tool")[0]))[0]!;
        answer = `tryRemove takes the tokens only when enough are left and otherwise returns false (${evidence.path}:${evidence.startLine}-${evidence.endLine}).`;
        return reply.text(answer);
      },
    },
  ];
  server.script(...steps);
  return { answer: () => answer };
}

describe("token events from a streaming model", () => {
  it("streams the specialist's answer as tokens, in order, before the answer event", async () => {
    const script = scriptCodeAnswer();
    const events = (await (await openSse(`${baseUrl}/ask/stream`, { method: "POST", body: { question: "What does TokenBucket.tryRemove do?" } })).events()).map((frame) => frame.event);

    const tokens = events.filter((event): event is Extract<RunEvent, { type: "token" }> => event.type === "token");
    // The scripted server sends each reply in two pieces.
    expect(tokens.length).toBeGreaterThanOrEqual(2);
    expect(tokens.every((token) => token.node === "code")).toBe(true);
    expect(tokens.map((token) => token.text).join("")).toBe(script.answer());
    const answer = events.at(-2) as Extract<RunEvent, { type: "answer" }>;
    expect(answer.type).toBe("answer");
    expect(answer.result.answer).toBe(script.answer());
    expect(events.findLastIndex((event) => event.type === "token")).toBeLessThan(events.length - 2);
    expect(events.findIndex((event) => event.type === "tool")).toBeLessThan(events.findIndex((event) => event.type === "token"));
    expect(events.at(-1)).toEqual({ type: "done", status: "succeeded" });

    // The specialist's model calls streamed; usage still arrived (the stream's usage chunk).
    const specialistCalls = server.requests.filter(isCode);
    expect(specialistCalls.map((request) => request.body.stream)).toEqual([true, true]);
    expect(answer.result.usage.inputTokens).toBeGreaterThan(0);
  });

  it("POST /ask makes the same calls without streaming", async () => {
    const script = scriptCodeAnswer();
    const response = await fetch(`${baseUrl}/ask`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ question: "What does TokenBucket.tryRemove do?" }) });
    expect(response.status).toBe(200);
    expect(((await response.json()) as { answer: string }).answer).toBe(script.answer());
    expect(server.requests.filter(isCode).map((request) => request.body.stream ?? false)).toEqual([false, false]);
  });
});
