/**
 * `npm run bench:ask [-- --write]`: what orchestration costs. Offline, an answer has no model time,
 * so its whole latency is overhead: index lookups, composition, and the framework around them. The
 * same questions run (1) as plain function calls — router, specialist(s), synthesis — and (2)
 * through the LangGraph orchestrated graph and (3) the baseline graph, so the framework's share is
 * a visible ratio; then (4) through `POST /ask` on the Fastify server, to add HTTP.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import path from "node:path";
import { Command } from "commander";
import { createServices } from "../../src/app.js";
import { loadConfig, PROJECT_ROOT } from "../../src/config.js";
import { loadRouteClassifier } from "../../src/models/offline/router/index.js";
import { offlineProvider } from "../../src/models/provider.js";
import { ClassifierRouter, fanOutRoutes } from "../../src/models/routing.js";
import { runAgent } from "../../specialists/run-agent.js";
import { SPECIALISTS } from "../../specialists/index.js";
import { synthesize } from "../../specialists/synthesis.js";
import { loadBenchmark } from "../benchmark.js";
import { percentile } from "../stats.js";
import { replaceSection } from "./markdown-section.js";

const program = new Command().option("--rounds <n>", "passes over the benchmark questions", "5").option("--write", "update docs/PERFORMANCE.md").parse();
const options = program.opts<{ rounds: string; write?: boolean }>();
const rounds = Number(options.rounds);

const cache = mkdtempSync(path.join(tmpdir(), "bench-ask-"));
// The rate limit stays on (its hook is part of the HTTP overhead measured) but high enough never to refuse.
const config = loadConfig({ INDEX_CACHE_DIR: cache, LOG_LEVEL: "silent", RATE_LIMIT_MAX: "1000000" });
const services = await createServices(config);
const questions = (await loadBenchmark(path.join(PROJECT_ROOT, "harness/benchmarks/sample-repo.jsonl"))).items.map((item) => item.question);

const router = new ClassifierRouter(loadRouteClassifier());
const agentDeps = { index: services.index, models: offlineProvider, minCoverage: config.answers.minCoverage };
async function directAsk(question: string) {
  const decision = await router.decide(question);
  const routes = fanOutRoutes(decision, config.routing.lowConfidence);
  const outputs = await Promise.all(routes.map((route) => runAgent(SPECIALISTS[route], { question, history: [] }, agentDeps)));
  return synthesize(question, outputs, offlineProvider);
}

async function measure(label: string, ask: (question: string) => Promise<unknown>) {
  for (const question of questions.slice(0, 20)) await ask(question); // warm-up: JIT and file cache
  const times: number[] = [];
  for (let round = 0; round < rounds; round++) {
    for (const question of questions) {
      const started = performance.now();
      await ask(question);
      times.push(performance.now() - started);
    }
  }
  process.stderr.write(`${label}: ${times.length} questions\n`);
  return { label, p50: percentile(times, 50), p95: percentile(times, 95), p99: percentile(times, 99) };
}

const direct = await measure("direct function calls (router → specialist → synthesis)", directAsk);
const orchestrated = await measure("LangGraph orchestrated graph", (q) => services.pipelines.orchestrated.run(q));
const baseline = await measure("LangGraph baseline graph", (q) => services.pipelines.baseline.run(q));
const rows = [direct, orchestrated, baseline];

try {
  const { buildServer } = await import("../../src/server/app.js");
  const app = await buildServer({ config, services });
  rows.push(
    await measure("POST /ask on the Fastify server (inject, orchestrated)", async (question) => {
      const response = await app.inject({ method: "POST", url: "/ask", payload: { question } });
      if (response.statusCode !== 200) throw new Error(`POST /ask answered ${response.statusCode}: ${response.body}`);
    }),
  );
  await app.close();
} catch (error) {
  process.stderr.write(`skipping the HTTP row: ${error instanceof Error ? error.message : String(error)}\n`);
}
rmSync(cache, { recursive: true, force: true });

const f = (ms: number) => `${ms.toFixed(2)} ms`;
const table = [
  "| Path | p50 | p95 | p99 | p50 vs direct |",
  "| --- | ---: | ---: | ---: | ---: |",
  ...rows.map((r) => `| ${r.label} | ${f(r.p50)} | ${f(r.p95)} | ${f(r.p99)} | ${(r.p50 / direct.p50).toFixed(2)}× |`),
].join("\n");
const machine = `${cpus().length} × ${cpus()[0]?.model.trim() ?? "cpu"}, Node ${process.version}`;
const section = `Measured ${new Date().toISOString().slice(0, 10)} on ${machine} by \`npm run bench:ask\`: ${questions.length} sample-benchmark questions × ${rounds} rounds, offline provider (no model time, so latency is all overhead).\n\n${table}`;
console.log(section);
if (options.write) {
  const file = path.join(PROJECT_ROOT, "docs/PERFORMANCE.md");
  writeFileSync(file, replaceSection(readFileSync(file, "utf8"), "ask", section));
  console.error(`updated ${file}`);
}
