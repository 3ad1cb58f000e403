/**
 * A deterministic, synthetic run with fake pipelines, made through the real runner: used by the
 * report and CLI tests and to eyeball the HTML reports (`npx tsx harness/testing/demo-run.ts DIR`).
 * The numbers mean nothing about the real pipelines.
 */
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { ROUTES, type AskResult, type PipelineName, type Route } from "../../src/contract.js";
import type { BenchmarkItem } from "../benchmark-schema.js";
import { runBenchmark, type RunSummary } from "../runner/run-benchmark.js";
import { seededRandom } from "../stats.js";
import { fakePipeline, makeItem, writeBenchmark } from "./builders.js";

export interface DemoOptions {
  questions?: number;
  repeats?: number;
  /** Probability that each pipeline answers correctly. */
  baselineSkill?: number;
  orchestratedSkill?: number;
  seed?: number;
}

const TOOLS: Record<Route, string> = { code: "search_code", docs: "search_docs", debug: "parse_stack_trace", general: "list_files" };

export function demoItems(count: number): BenchmarkItem[] {
  return Array.from({ length: count }, (_, i) => {
    const route = ROUTES[i % ROUTES.length] as Route;
    const answerable = i % 9 !== 8;
    return makeItem({
      id: `${route}-${String(i).padStart(3, "0")}`,
      question: `Demo ${route} question ${i}?`,
      route,
      answerable,
      expected_files: answerable ? [`src/${route}/file${i}.ts`] : [],
      expected_facts: answerable ? [`fact${i}`] : [],
    });
  });
}

function demoAnswer(item: BenchmarkItem, pipeline: PipelineName, skill: number, random: () => number, repeat: number): Partial<AskResult> {
  const file = item.expected_files[0] ?? `src/${item.route}/other.ts`;
  const roll = random();
  const correct = roll < skill;
  const misrouted = pipeline === "orchestrated" && !correct && roll < skill + (1 - skill) * 0.4;
  const route: Route | null = pipeline === "orchestrated" ? (misrouted ? (ROUTES[(ROUTES.indexOf(item.route) + 1) % 4] as Route) : item.route) : null;
  const gotEvidence = correct || random() < 0.5;
  const evidencePath = gotEvidence ? file : `src/${item.route}/unrelated${repeat}.ts`;
  const baseLatency = pipeline === "orchestrated" ? 1400 : 1100;
  const extraCalls = pipeline === "baseline" ? Math.floor(random() * 3) : Math.floor(random() * 2);
  const toolsCalled = [
    { name: TOOLS[item.route], args: { query: item.question }, ms: 20, resultCount: 1 },
    ...Array.from({ length: extraCalls }, (_, k) => ({ name: "search_code", args: { query: `again ${k}` }, ms: 15, resultCount: 0 })),
  ];
  const answer = !item.answerable
    ? correct
      ? "That is not found in this repository."
      : "It is configured in the settings module."
    : correct
      ? `The answer is ${item.expected_facts[0] ?? ""} (${file}:2).`
      : `It is probably handled elsewhere (${evidencePath}:2).`;
  const tokens = pipeline === "orchestrated" ? 2600 : 2100;
  return {
    answer,
    route,
    routeConfidence: route ? 0.6 + random() * 0.4 : null,
    routerSource: route ? "classifier" : null,
    routesRun: route ? [route] : [],
    citations: item.answerable || !correct ? [{ path: evidencePath, startLine: 1, endLine: 3 }] : [],
    evidence: [{ path: evidencePath, startLine: 1, endLine: 20, text: `export const value = "${item.expected_facts[0] ?? ""}";`, score: 1, kind: "code" }],
    toolsCalled,
    usage: { inputTokens: tokens + Math.round(random() * 400), outputTokens: 180, costUsd: (tokens * 0.15 + 180 * 0.6) / 1e6 },
    latencyMs: Math.round(baseLatency * (0.6 + random() * 0.9) + (random() < 0.08 ? 2500 : 0)),
    notFound: !item.answerable && correct,
  };
}

/** Writes bench.jsonl and run/{runs.jsonl,manifest.json} under `directory` and returns the run summary. */
export async function writeDemoRun(directory: string, options: DemoOptions = {}): Promise<RunSummary & { benchPath: string }> {
  const items = demoItems(options.questions ?? 36);
  const benchPath = await writeBenchmark(directory, items);
  const skills: Record<PipelineName, number> = { baseline: options.baselineSkill ?? 0.55, orchestrated: options.orchestratedSkill ?? 0.8 };
  const randoms: Record<PipelineName, () => number> = { baseline: seededRandom((options.seed ?? 1) * 2), orchestrated: seededRandom((options.seed ?? 1) * 2 + 1) };
  const byQuestion = new Map(items.map((item) => [item.question, item]));
  const summary = await runBenchmark({
    benchPath,
    repoPath: directory,
    pipelines: ["baseline", "orchestrated"],
    repeats: options.repeats ?? 1,
    concurrency: 1, // deterministic order → deterministic random draws
    limit: null,
    outDir: join(directory, "run"),
    url: null,
    resume: false,
    retryErrors: false,
    noCache: true,
    timeoutMs: 10_000,
    progress: false,
    factory: async (name) =>
      fakePipeline(name, (question, opts) => {
        const item = byQuestion.get(question) as BenchmarkItem;
        if (item.id.endsWith("007") && name === "orchestrated") throw new Error("specialist crashed");
        return demoAnswer(item, name, skills[name], randoms[name], opts?.repeat ?? 0);
      }),
    describeModels: () => ({ provider: "offline", models: { router: "classifier", specialist: "offline-template" } }),
  });
  return { ...summary, benchPath };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const directory = process.argv[2] ?? "/tmp/harness-demo";
  const summary = await writeDemoRun(directory, { repeats: Number(process.argv[3] ?? 1) });
  process.stdout.write(`${summary.runLogPath}\n`);
}
