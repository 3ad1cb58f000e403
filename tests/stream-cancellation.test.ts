import { BaseCallbackHandler } from "@langchain/core/callbacks/base";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createServices, type AppServices } from "../src/app.js";
import { loadConfig } from "../src/config.js";
import { isAppError } from "../src/errors.js";
import { buildServer, type ApiServer } from "../src/server/app.js";
import { generalSpecialist } from "../specialists/general.js";
import { SPECIALISTS } from "../specialists/index.js";
import type { AgentDefinition } from "../specialists/types.js";
import { drainScript, match, reply, scriptedOpenAIEnv, startScriptedOpenAIServer, type ScriptedOpenAIServer } from "./helpers/scripted-openai-server.js";
import { sqliteDatabase, type TestDatabase } from "./helpers/state-db.js";
import { eventually, heldSpecialist, openSse } from "./helpers/streaming.js";

/**
 * A client that disconnects from POST /ask/stream cancels the run: the graph stops calling tools
 * and models for nobody. And while a run is slow, heartbeats keep the stream alive.
 */

const GENERAL_QUESTION = "Which third-party Python packages does the worker depend on?";

let database: TestDatabase;
let cacheDirectory: string;

beforeAll(async () => {
  database = await sqliteDatabase();
  cacheDirectory = await mkdtemp(path.join(tmpdir(), "stream-cancel-index-"));
});
afterAll(async () => {
  await database?.cleanup();
  await rm(cacheDirectory, { recursive: true, force: true });
});

async function serve(env: Record<string, string>, overrides: Parameters<typeof createServices>[1] = {}): Promise<{ services: AppServices; app: ApiServer; url: string }> {
  const config = loadConfig({ ...database.env, INDEX_CACHE_DIR: cacheDirectory, AUTH: "off", LOG_LEVEL: "silent", ...env });
  const services = await createServices(config, overrides);
  const app = buildServer({ config, services, logger: false });
  const url = await app.listen({ host: "127.0.0.1", port: 0 });
  return { services, app, url };
}

/**
 * A general specialist that keeps calling tools, one every few milliseconds, and never checks its
 * abort signal itself: only the tool session can stop it. It records whether any call started
 * after the run was cancelled went through.
 */
function tirelessSpecialist() {
  const record = { calls: 0, callsStartedAfterAbort: 0, stoppedBy: undefined as unknown };
  const agent: AgentDefinition = {
    ...generalSpecialist,
    async gather(context) {
      try {
        for (let i = 0; i < 1_000; i++) {
          const abortedBefore = context.signal?.aborted === true;
          await context.tools.call("search_code", { query: `token bucket ${i}`, k: 1 });
          record.calls++;
          if (abortedBefore) record.callsStartedAfterAbort++;
          await sleep(5);
        }
        return { evidence: [] };
      } catch (error) {
        record.stoppedBy = error;
        throw error;
      }
    },
  };
  return { agent, record };
}

describe("offline: a client that disconnects", () => {
  const tireless = tirelessSpecialist();
  let served: Awaited<ReturnType<typeof serve>>;

  beforeAll(async () => {
    served = await serve({}, { specialists: { general: tireless.agent } });
  });
  afterAll(async () => {
    await served?.app.close();
    await served?.services.close();
  });

  it("stops the run: no tool call starts after the disconnect", async () => {
    const connection = await openSse(`${served.url}/ask/stream`, { method: "POST", body: { question: GENERAL_QUESTION } });
    const seen = await connection.events((event) => event.type === "tool" && event.status === "finished" && tireless.record.calls >= 3);
    expect(seen.some(({ event }) => event.type === "route")).toBe(true);
    connection.disconnect();

    const stoppedBy = await eventually(() => tireless.record.stoppedBy, "the specialist's tool loop to stop");
    expect(isAppError(stoppedBy) && stoppedBy.code).toBe("CANCELLED");
    expect((stoppedBy as Error).message).toContain("client disconnected");
    expect(tireless.record.callsStartedAfterAbort).toBe(0);
    expect(tireless.record.calls).toBeLessThan(1_000);
  });
});

describe("offline: a slow run", () => {
  const held = heldSpecialist();
  let served: Awaited<ReturnType<typeof serve>>;

  beforeAll(async () => {
    served = await serve({ SSE_HEARTBEAT_INTERVAL: "50ms" }, { specialists: { general: held } });
  });
  afterAll(async () => {
    await served?.app.close();
    await served?.services.close();
  });

  it("sends heartbeat comments while it works, then its events", async () => {
    const connection = await openSse(`${served.url}/ask/stream`, { method: "POST", body: { question: GENERAL_QUESTION } });
    // On a busy machine a heartbeat can go out before the run reaches the specialist: wait until it is
    // working, then for a heartbeat sent while it is held.
    await eventually(() => held.started === 1 || undefined, "the specialist to start");
    let frame = await connection.next();
    while (frame && !(frame.kind === "comment" && frame.text === "heartbeat")) frame = await connection.next();
    expect(frame).toEqual({ kind: "comment", text: "heartbeat" });
    expect(held.started).toBe(1);
    held.release();
    const events = await connection.events();
    expect(events.at(-2)?.event).toMatchObject({ type: "answer", result: { route: "general" } });
    expect(events.at(-1)?.event).toEqual({ type: "done", status: "succeeded" });
  });
});

/** Records the model calls that failed, and why. */
class ModelErrors extends BaseCallbackHandler {
  name = "model-errors";
  readonly errors: unknown[] = [];
  override handleLLMError(error: unknown): void {
    this.errors.push(error);
  }
}

describe("openai: a client that disconnects while a model call is in progress", () => {
  let server: ScriptedOpenAIServer;
  let served: Awaited<ReturnType<typeof serve>>;
  const modelErrors = new ModelErrors();

  beforeAll(async () => {
    server = await startScriptedOpenAIServer();
    served = await serve(scriptedOpenAIEnv(server, cacheDirectory, { MODEL_TIMEOUT_MS: "400", AUTH: "off" }) as Record<string, string>, {
      modelCallbacks: () => [modelErrors],
    });
  });
  // A cancelled run leaves steps untaken on purpose: only unmatched requests are a failure here.
  afterEach(() => expect(drainScript(server).unmatched).toEqual([]));
  afterAll(async () => {
    await served?.app.close();
    await served?.services.close();
    await server?.close();
  });

  it("aborts the model request and makes no further model or tool calls", async () => {
    const isCode = match.systemPromptIncludes(SPECIALISTS.code.systemPrompt);
    server.script(
      { label: "router", when: match.router, reply: reply.toolCall("route_question", { route: "code", confidence: 0.95, reason: "Asks about a method." }) },
      { label: "code: find_symbol", when: isCode, reply: reply.toolCall("find_symbol", { name: "TokenBucket" }) },
      { label: "code: hangs", when: isCode, reply: reply.hang() },
    );
    const connection = await openSse(`${served.url}/ask/stream`, { method: "POST", body: { question: "What does TokenBucket.tryRemove do?" } });
    await connection.events((event) => event.type === "tool" && event.status === "finished");
    await eventually(() => (server.requests.length === 3 ? true : undefined), "the third model request (the one that hangs)");
    connection.disconnect();

    // The hanging request is aborted (not timed out: the abort is the client's disconnect).
    const aborted = await eventually(() => modelErrors.errors.at(-1), "the model call to fail");
    expect(String((aborted as Error).message ?? aborted)).toMatch(/abort|cancel/i);
    // Were the run still going, a timed-out call would be retried (MODEL_MAX_RETRIES) or the
    // specialist would fall back to `general`, both new model requests within this wait.
    await sleep(1_500);
    expect(server.requests).toHaveLength(3);
    expect(modelErrors.errors).toHaveLength(1);
    expect(server.pending()).toEqual([]);
  });
});
