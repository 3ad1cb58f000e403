import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createServices, type AppServices } from "../src/app.js";
import { loadConfig } from "../src/config.js";
import { createModelCache } from "../src/models/model-call-cache.js";
import { SPECIALISTS } from "../specialists/index.js";
import {
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

/**
 * The model-call cache on the `openai` provider: a repeated run replays the specialist's model
 * replies from disk instead of calling the server; another repeat index calls it again; a failed
 * call is never stored.
 */

const isCode = match.systemPromptIncludes(SPECIALISTS.code.systemPrompt);
const isGeneral = match.systemPromptIncludes(SPECIALISTS.general.systemPrompt);
const QUESTION = "Where is verifySignature defined?";

const routeToCode: ScriptStep = { label: "router", when: match.router, reply: reply.toolCall("route_question", { route: "code", confidence: 0.9, reason: "code" }) };
const codeTurns: ScriptStep[] = [
  { label: "code: find_symbol", when: isCode, reply: reply.toolCall("find_symbol", { name: "verifySignature" }) },
  {
    label: "code: answer",
    when: isCode,
    reply: (request) => {
      const evidence = evidenceHeaders(contentText(messagesOf(request, "tool")[0]))[0]!;
      return reply.text(`Defined at ${evidence.path}:${evidence.startLine}-${evidence.endLine}.`);
    },
  },
];

async function cacheEntries(directory: string): Promise<number> {
  const files = await readdir(directory, { recursive: true }).catch(() => [] as string[]);
  return files.filter((f) => f.endsWith(".json")).length;
}

let server: ScriptedOpenAIServer;
let workDir: string;
let cacheDir: string;
let services: AppServices;

beforeAll(async () => {
  server = await startScriptedOpenAIServer();
  workDir = await mkdtemp(path.join(tmpdir(), "openai-model-cache-"));
  cacheDir = path.join(workDir, "model-calls");
  // No HTTP retries: a scripted 500 fails its call at once, and the graph's node retry is what repeats it.
  const config = loadConfig(scriptedOpenAIEnv(server, path.join(workDir, "index"), { MODEL_MAX_RETRIES: "0", SPECIALIST_MAX_ATTEMPTS: "2" }));
  services = await createServices(config, { modelCache: createModelCache({ noCache: false, directory: cacheDir }) });
});

afterEach(() => {
  const leftover = { unmatched: server.unmatched.length, pending: server.pending() };
  server.reset();
  expect(leftover).toEqual({ unmatched: 0, pending: [] });
});

afterAll(async () => {
  await server?.close();
  await rm(workDir, { recursive: true, force: true });
});

describe("openai provider: model-call cache", () => {
  it("replays cached specialist replies for the same repeat, and calls the model again for another repeat", async () => {
    server.script(routeToCode, ...codeTurns);
    const first = await services.pipelines.orchestrated.run(QUESTION, { repeat: 0 });
    expect(server.requests.filter(isCode)).toHaveLength(2);
    expect(await cacheEntries(cacheDir)).toBe(2);
    server.reset();

    // Same question, same repeat: only the router goes over the wire (it is not cached).
    server.script(routeToCode);
    const replayed = await services.pipelines.orchestrated.run(QUESTION, { repeat: 0 });
    expect(server.requests).toHaveLength(1);
    expect(server.requests.filter(match.router)).toHaveLength(1);
    expect(replayed.answer).toBe(first.answer);
    expect(replayed.citations).toEqual(first.citations);
    expect(replayed.citations).toHaveLength(1);
    // The cached tool call is run again against the index, so its evidence is real, not cached.
    expect(replayed.toolsCalled.map((c) => [c.name, c.args, c.resultCount])).toEqual(first.toolsCalled.map((c) => [c.name, c.args, c.resultCount]));
    expect(replayed.evidence).toEqual(first.evidence);
    expect(await cacheEntries(cacheDir)).toBe(2);
    server.reset();

    // Another repeat samples the model again.
    server.script(routeToCode, ...codeTurns);
    const resampled = await services.pipelines.orchestrated.run(QUESTION, { repeat: 1 });
    expect(server.requests.filter(isCode)).toHaveLength(2);
    expect(resampled.answer).toBe(first.answer);
    expect(await cacheEntries(cacheDir)).toBe(4);
  });

  it("never caches a failed call: the next run asks the server again", async () => {
    const before = await cacheEntries(cacheDir);
    server.script(
      routeToCode,
      { label: "code 500 attempt 1", when: isCode, reply: reply.error(500) },
      { label: "code 500 attempt 2", when: isCode, reply: reply.error(500) },
      { label: "general answers", when: isGeneral, reply: reply.text("It was not found in this repository.") },
    );
    const failed = await services.pipelines.orchestrated.run(QUESTION, { repeat: 7 });
    expect(failed.routesRun).toEqual(["general"]);
    expect(failed.warnings).toEqual([expect.stringMatching(/^code specialist failed after 2 attempt\(s\)/)]);
    // Only general's reply was stored.
    expect(await cacheEntries(cacheDir)).toBe(before + 1);
    server.reset();

    server.script(routeToCode, ...codeTurns);
    const recovered = await services.pipelines.orchestrated.run(QUESTION, { repeat: 7 });
    expect(server.requests.filter(isCode)).toHaveLength(2);
    expect(recovered.routesRun).toEqual(["code"]);
    expect(recovered.warnings).toEqual([]);
    expect(recovered.citations).toHaveLength(1);
    expect(await cacheEntries(cacheDir)).toBe(before + 3);
  });
});
