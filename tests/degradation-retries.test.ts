import { createServer, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { HumanMessage } from "@langchain/core/messages";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createServices, type AppServices } from "../src/app.js";
import { loadConfig } from "../src/config.js";
import { createOpenAIProvider } from "../src/models/openai/provider.js";
import { buildServer } from "../src/server/app.js";
import { reply, scriptedOpenAIEnv, startScriptedOpenAIServer, type ScriptedOpenAIServer, type ScriptedReply } from "./helpers/scripted-openai-server.js";

/**
 * Model calls against a real HTTP server: which failures the client retries (with backoff), and
 * that the request deadline reaches the model call itself.
 */

let server: ScriptedOpenAIServer;
let indexCache: string;

beforeAll(async () => {
  server = await startScriptedOpenAIServer();
  indexCache = await mkdtemp(path.join(tmpdir(), "degradation-retries-"));
});

afterEach(() => {
  const pending = server.pending();
  const unmatched = server.unmatched.length;
  server.reset();
  expect(pending).toEqual([]);
  expect(unmatched).toBe(0);
});

afterAll(async () => {
  await server?.close();
  await rm(indexCache, { recursive: true, force: true });
});

/** One router-model call with MODEL_MAX_RETRIES=1: a failure may be retried once. */
function callModel(extra: Record<string, string> = {}) {
  const config = loadConfig(scriptedOpenAIEnv(server, indexCache, { MODEL_MAX_RETRIES: "1", ...extra }));
  return createOpenAIProvider(config.models).chatModel("router")!.invoke([new HumanMessage("Where is verifySignature defined?")]);
}

const RETRIED: Array<[string, ScriptedReply]> = [
  ["429 without Retry-After", reply.error(429, { error: { message: "Rate limit reached", type: "requests", code: "rate_limit_exceeded" } })],
  ["429 with Retry-After: 0", reply.error(429, { error: { message: "Rate limit reached", type: "requests" } }, { "retry-after": "0" })],
  ["500", reply.error(500)],
  ["502", reply.error(502)],
  ["503", reply.error(503)],
];

const NOT_RETRIED: Array<[string, ScriptedReply]> = [
  ["400", reply.error(400, { error: { message: "bad request", type: "invalid_request_error" } })],
  ["401", reply.error(401, { error: { message: "Incorrect API key provided", type: "invalid_request_error", code: "invalid_api_key" } })],
  ["404", reply.error(404, { error: { message: "The model does not exist", type: "invalid_request_error", code: "model_not_found" } })],
  ["429 insufficient_quota", reply.error(429, { error: { message: "You exceeded your current quota", type: "insufficient_quota", code: "insufficient_quota" } })],
];

describe("model call retries", () => {
  it.each(RETRIED)("retries a %s and returns the retry's answer", async (_case, failure) => {
    server.script(failure, reply.text("found it"));
    const answer = await callModel();
    expect(answer.content).toBe("found it");
    expect(server.requests).toHaveLength(2);
    expect(server.requests[1]!.body).toEqual(server.requests[0]!.body);
  });

  it.each(NOT_RETRIED)("does not retry a %s", async (_case, failure) => {
    server.script(failure);
    await expect(callModel()).rejects.toThrow();
    expect(server.requests).toHaveLength(1);
  });

  it("gives up after MODEL_MAX_RETRIES retries", async () => {
    server.script(reply.error(503), reply.error(503));
    await expect(callModel()).rejects.toThrow(/503/);
    expect(server.requests).toHaveLength(2);
  });

  it("does not retry a call that ran out of MODEL_TIMEOUT_MS", async () => {
    server.script(reply.hang());
    await expect(callModel({ MODEL_TIMEOUT_MS: "200" })).rejects.toThrow(/timed out/i);
    expect(server.requests).toHaveLength(1);
  });
});

describe("the request deadline reaches the model call", () => {
  /** A model server that never answers and reports when a caller gives up on it. */
  let hanging: Server;
  let hangingUrl: string;
  const abandoned: Array<Promise<void>> = [];

  beforeAll(async () => {
    hanging = createServer((_request, response: ServerResponse) => {
      abandoned.push(new Promise((resolve) => response.on("close", () => resolve())));
    });
    await new Promise<void>((resolve) => hanging.listen(0, "127.0.0.1", resolve));
    hangingUrl = `http://127.0.0.1:${(hanging.address() as AddressInfo).port}/v1`;
  });

  afterAll(async () => {
    hanging.closeAllConnections();
    await new Promise((resolve) => hanging.close(resolve));
  });

  it("answers 504 DEADLINE_EXCEEDED and closes the model request, without counting it as a provider failure", async () => {
    // MODEL_TIMEOUT_MS is far beyond the test's own timeout: only the request deadline can end the call.
    const config = loadConfig({ ...scriptedOpenAIEnv(server, indexCache), OPENAI_BASE_URL: hangingUrl, REQUEST_TIMEOUT_MS: "400", MODEL_TIMEOUT_MS: "600000", AUTH: "off", STATE_DB_PATH: ":memory:" });
    const services: AppServices = await createServices(config);
    const app = buildServer({ config, services, logger: false });
    try {
      const response = await app.inject({ method: "POST", url: "/ask", headers: { "content-type": "application/json" }, payload: JSON.stringify({ question: "Where is verifySignature defined?" }) });
      expect(response.statusCode).toBe(504);
      expect(response.json().error.code).toBe("DEADLINE_EXCEEDED");
      expect(abandoned).toHaveLength(1);
      await abandoned[0];
      expect(services.modelCircuit?.state).toBe("closed");
      expect(services.modelCircuit?.failures).toBe(0);
    } finally {
      await app.close();
      await services.close();
    }
  });
});
