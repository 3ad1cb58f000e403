import { beforeAll, describe, expect, it } from "vitest";
import { SAMPLE_REPO_PATH } from "../src/config.js";
import { buildRepositoryIndex, type RepositoryIndex } from "../src/index/repository-index.js";
import { offlineProvider } from "../src/models/provider.js";
import { SPECIALISTS, singleAgent } from "../specialists/index.js";
import { runAgent } from "../specialists/run-agent.js";
import type { AgentDefinition, AgentOutput } from "../specialists/types.js";

/**
 * Each specialist on its own, offline, on the sample repository: it calls only its own tools within
 * its budget, cites what answers the question, and its answer is extractive: every line it quotes
 * is a line of the file it cites, at the lines it cites. Routing, fan-out and fallback are tested
 * through the graph (tracing-spans, graph-failures, server-ask).
 */

let index: RepositoryIndex;
beforeAll(async () => {
  index = await buildRepositoryIndex({ root: SAMPLE_REPO_PATH });
});

const run = (agent: AgentDefinition, question: string) => runAgent(agent, { question, history: [] }, { index, models: offlineProvider, minCoverage: 0.35 });

/** The quoted lines of an answer (fenced code and `> ` quotes), each with the citation above it. */
function quotedBlocks(answer: string): Array<{ path: string; startLine: number; endLine: number; lines: string[] }> {
  const blocks: Array<{ path: string; startLine: number; endLine: number; lines: string[] }> = [];
  let current: (typeof blocks)[number] | undefined;
  let inFence = false;
  for (const line of answer.split("\n")) {
    const cited = /\(([\w./-]+):(\d+)-(\d+)\):$/.exec(line);
    if (cited && !inFence) {
      current = { path: cited[1]!, startLine: Number(cited[2]), endLine: Number(cited[3]), lines: [] };
      blocks.push(current);
    } else if (line.startsWith("```")) inFence = !inFence;
    else if (current && inFence) current.lines.push(line);
    else if (current && line.startsWith(">")) current.lines.push(line.replace(/^> ?/, ""));
  }
  return blocks.filter((block) => block.lines.length > 0);
}

async function expectExtractive(output: AgentOutput): Promise<void> {
  const blocks = quotedBlocks(output.answer);
  expect(blocks.length, output.answer).toBeGreaterThan(0);
  for (const block of blocks) {
    const file = (await index.fileLines(block.path))!;
    expect(file, block.path).toBeDefined();
    const cited = file.slice(block.startLine - 1, block.endLine);
    // Every quoted line is in the cited range, in order (blank and markup lines may be trimmed).
    let at = 0;
    for (const line of block.lines.filter((l) => l.trim())) {
      const found = cited.indexOf(line, at);
      expect(found, `${block.path}:${block.startLine}-${block.endLine} quotes a line it does not contain: ${line}`).toBeGreaterThanOrEqual(at);
      at = found + 1;
    }
    expect(output.citations).toContainEqual(expect.objectContaining({ path: block.path }));
  }
}

function expectOwnTools(agent: AgentDefinition, output: AgentOutput): void {
  expect(output.toolsCalled.length).toBeGreaterThan(0);
  expect(output.toolsCalled.length).toBeLessThanOrEqual(agent.toolBudget);
  for (const call of output.toolsCalled) expect(agent.tools).toContain(call.name);
}

describe("each specialist, offline", () => {
  it.each([
    ["code", "What does TokenBucket.tryRemove do when there aren't enough tokens left?", "src/ratelimit/tokenBucket.ts"],
    ["docs", "How do I rotate the webhook signing secret?", "docs/operations/runbook.md"],
    ["general", "Which third-party Python packages does the worker depend on?", "worker/pyproject.toml"],
    [
      "debug",
      "2026-11-21 09:31:40,118 WARNING [delivery_7] hookrelay_worker.runner: delivery dlv_x1: [E_ENDPOINT_GONE] endpoint ep_9 answered HTTP 410: gone; disabling endpoint ep_9\n\nwhy did it stop delivering?",
      "worker/hookrelay_worker/runner.py",
    ],
  ] as const)("%s: its own tools, the right file cited, every quoted line from the file", async (route, question, file) => {
    const agent = SPECIALISTS[route];
    const output = await run(agent, question);
    expectOwnTools(agent, output);
    expect(output.route).toBe(route);
    expect(output.notFound).toBe(false);
    expect(output.evidence.map((e) => e.path)).toContain(file);
    expect(output.citations.map((c) => c.path)).toContain(file);
    expect(output.usage).toEqual({ inputTokens: 0, outputTokens: 0, costUsd: 0 });
    expect(output.model).toBeNull();
    await expectExtractive(output);
  });

  it("debug maps a pasted stack trace to the repository frame that raised it", async () => {
    const output = await run(
      SPECIALISTS.debug,
      'ConfigError: WEBHOOK_SIGNING_SECRET must start with "whsec_"\n    at readSigningSecret (/app/src/config.ts:69:11)\n    at loadConfig (/app/src/config.ts:120:15)\n    at main (/app/src/main.ts:7:18)',
    );
    expect(output.toolsCalled[0]?.name).toBe("parse_stack_trace");
    expect(output.citations[0]?.path).toBe("src/config.ts");
    expect(output.answer).toMatch(/readSigningSecret/);
    await expectExtractive(output);
  });

  it("debug finds where a bare `Error: message` is raised (no class name, no code)", async () => {
    const output = await run(SPECIALISTS.debug, "Startup dies with `Error: missing required environment variable DATABASE_URL` on the new box. What is it missing?");
    expect(output.toolsCalled.map((call) => call.name)).toContain("search_errors");
    // src/config.ts:41 raises it: `throw new ConfigError(\`missing required environment variable ${name}\`)`
    expect(output.evidence.some((e) => e.path === "src/config.ts" && e.startLine <= 41 && e.endLine >= 41)).toBe(true);
    expect(output.notFound).toBe(false);
    await expectExtractive(output);
  });

  it("debug searches the documentation when the code explains little, and only then", async () => {
    // The code that returns E_SIGNATURE_EXPIRED does not say what skewSeconds means; the troubleshooting guide does.
    const documented = await run(
      SPECIALISTS.debug,
      'Partner gets this from the ingest endpoint: `{"error":{"code":"E_SIGNATURE_EXPIRED","message":"signature timestamp is outside the tolerance window (300s)","details":{"skewSeconds":1043}}}` — they say they sign every request. What does skewSeconds mean here?',
    );
    expect(documented.toolsCalled.map((call) => call.name)).toContain("search_docs");
    expect(documented.citations.map((c) => c.path)).toEqual(expect.arrayContaining(["src/signing/hmac.ts", "docs/troubleshooting.md"]));
    await expectExtractive(documented);

    // The worker code explains this log line: the documentation is not searched and does not crowd it out.
    const explainedByCode = await run(
      SPECIALISTS.debug,
      "2026-11-21 09:31:40,118 WARNING [delivery_7] hookrelay_worker.runner: delivery dlv_x1: [E_ENDPOINT_GONE] endpoint ep_9 answered HTTP 410: gone; disabling endpoint ep_9\n\nwhy did it stop delivering?",
    );
    expect(explainedByCode.toolsCalled.map((call) => call.name)).not.toContain("search_docs");
    expect(explainedByCode.citations[0]?.path).toMatch(/^worker\/hookrelay_worker\//);
  });

  it.each([...Object.values(SPECIALISTS), singleAgent])("$name says not found, citing nothing, when the repository has no answer", async (agent) => {
    const output = await run(agent, "How do we shard the Kafka topics for the billing reconciliation service?");
    expect(output.notFound).toBe(true);
    expect(output.citations).toEqual([]);
    expect(output.answer).toMatch(/not found in this repository/i);
  });

  it("the baseline's single agent uses tools from every specialist's set as the question needs", async () => {
    const output = await run(singleAgent, "What does TokenBucket.tryRemove do when there aren't enough tokens left?");
    expect(output.citations.map((c) => c.path)).toContain("src/ratelimit/tokenBucket.ts");
    expect(output.route).toBeNull();
    expect(output.toolsCalled.length).toBeLessThanOrEqual(singleAgent.toolBudget);
    await expectExtractive(output);
  });
});
