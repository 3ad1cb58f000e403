import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createServices } from "../src/app.js";
import { loadConfig } from "../src/config.js";
import { DATA_POLICY } from "../src/models/openai/evidence-format.js";
import { TOOL_NAMES } from "../src/tools/registry.js";
import { singleAgent } from "../specialists/index.js";
import { contentText, evidenceHeaders, messagesOf, reply, scriptedOpenAIEnv, startScriptedOpenAIServer, systemPromptOf, type ScriptedOpenAIServer } from "./helpers/scripted-openai-server.js";

/** The single-agent baseline on the `openai` provider: one agent, every tool, no router, no synthesis call. */

let server: ScriptedOpenAIServer;
let indexCache: string;

beforeAll(async () => {
  server = await startScriptedOpenAIServer();
  indexCache = await mkdtemp(path.join(tmpdir(), "openai-baseline-"));
});

afterAll(async () => {
  await server?.close();
  await rm(indexCache, { recursive: true, force: true });
});

describe("openai provider: baseline pipeline", () => {
  it("offers all seven tools to one agent, runs the ones it calls, and answers with grounded citations", async () => {
    const services = await createServices(loadConfig(scriptedOpenAIEnv(server, indexCache)));
    let cited = "";
    server.script(
      { label: "search_errors", reply: reply.toolCall("search_errors", { text: "SignatureExpiredError: signature timestamp is outside the tolerance window" }, { prompt_tokens: 800, completion_tokens: 40 }) },
      {
        label: "answer",
        reply: (request) => {
          const evidence = evidenceHeaders(contentText(messagesOf(request, "tool")[0]))[0]!;
          cited = `${evidence.path}:${evidence.startLine}-${evidence.endLine}`;
          return reply.text(`The error is raised when the timestamp skew exceeds the tolerance (${cited}).`, { prompt_tokens: 1_600, completion_tokens: 80 });
        },
      },
    );

    const result = await services.pipelines.baseline.run("Why do I get SignatureExpiredError: signature timestamp is outside the tolerance window?");

    expect(result).toMatchObject({ pipeline: "baseline", provider: "openai", route: null, routeConfidence: null, routerSource: null, routesRun: [], warnings: [] });
    expect(result.answer).toBe(`The error is raised when the timestamp skew exceeds the tolerance (${cited}).`);
    expect(result.toolsCalled).toEqual([expect.objectContaining({ name: "search_errors", node: "baseline", args: { text: "SignatureExpiredError: signature timestamp is outside the tolerance window" } })]);
    expect(result.toolsCalled[0]!.resultCount).toBeGreaterThan(0);
    const [citedPath, range] = cited.split(":");
    const [start, end] = range!.split("-").map(Number);
    expect(result.citations).toEqual([{ path: citedPath, startLine: start, endLine: end }]);
    expect(result.evidence.some((e) => e.path === citedPath && e.startLine <= start! && e.endLine >= end!)).toBe(true);
    expect(result.usage).toMatchObject({ inputTokens: 2_400, outputTokens: 120 });
    expect(result.usage.costUsd).toBeCloseTo((2_400 * 0.15 + 120 * 0.6) / 1_000_000, 15);

    // Two calls, both from the one agent: no router, and one output needs no synthesis call.
    expect(server.requests).toHaveLength(2);
    expect(server.unmatched).toEqual([]);
    expect(server.pending()).toEqual([]);
    for (const request of server.requests) {
      expect(request.body.model).toBe("gpt-4o-mini");
      expect(request.body.tools!.map((t) => t.function.name)).toEqual([...TOOL_NAMES]);
      expect(request.body.tools!.every((t) => t.type === "function" && (t.function.parameters as { type?: string }).type === "object")).toBe(true);
      expect(systemPromptOf(request)).toBe(`${singleAgent.systemPrompt}\n\n${DATA_POLICY}`);
    }
    expect(TOOL_NAMES).toHaveLength(7);
    const toolMessage = messagesOf(server.requests[1]!, "tool")[0]!;
    expect(toolMessage.tool_call_id).toBe(messagesOf(server.requests[1]!, "assistant")[0]!.tool_calls![0]!.id);
    expect(contentText(toolMessage)).toMatch(/^<tool_result tool="search_errors" status="ok">\n<evidence path="/);
  });
});
