/**
 * Retrieval check: for each answerable benchmark question, is an expected file among the top 5 results
 * of the tool a specialist for its route would call first? Prints hit@5 per route and the misses.
 * Usage: npx tsx harness/perf/retrieval-eval.ts --bench FILE --repo PATH
 */
import { Command } from "commander";
import { loadBenchmark } from "../benchmark.js";
import { buildRepositoryIndex, type RepositoryIndex } from "../../src/index/repository-index.js";
import { runTool } from "../../src/tools/registry.js";
import type { BenchmarkItem } from "../benchmark-schema.js";
import { parseStackTrace } from "../../src/tools/stack-trace.js";

export async function firstToolPaths(index: RepositoryIndex, item: BenchmarkItem): Promise<string[]> {
  const q = item.question;
  const paths = async (tool: Parameters<typeof runTool>[1], args: object) => (await runTool(index, tool, args)).evidence.map((e) => e.path);
  switch (item.route) {
    case "code":
      return paths("search_code", { query: q, k: 5 });
    case "docs":
      return paths("search_docs", { query: q, k: 5 });
    case "general":
      return [...(await paths("search_docs", { query: q, k: 3 })), ...(await paths("search_code", { query: q, k: 2 }))];
    case "debug": {
      const trace = parseStackTrace(q);
      if (trace.frames.length > 0) {
        const frames = await paths("parse_stack_trace", { text: q });
        if (frames.length > 0) return frames.slice(0, 5);
      }
      const sites = await paths("search_errors", { text: q });
      return sites.length > 0 ? sites.slice(0, 5) : paths("search_code", { query: q, k: 5 });
    }
  }
}

const program = new Command().requiredOption("--bench <file>").requiredOption("--repo <path>").option("--verbose");
program.parse();
const options = program.opts<{ bench: string; repo: string; verbose?: boolean }>();
const loaded = await loadBenchmark(options.bench);
const index = await buildRepositoryIndex({ root: options.repo });
const perRoute = new Map<string, { hits: number; total: number }>();
for (const item of loaded.items) {
  if (!item.answerable || item.expected_files.length === 0) continue;
  const got = await firstToolPaths(index, item);
  const hit = item.expected_files.some((f) => got.includes(f));
  const stats = perRoute.get(item.route) ?? { hits: 0, total: 0 };
  stats.total++;
  if (hit) stats.hits++;
  perRoute.set(item.route, stats);
  if (!hit && options.verbose) console.log(`MISS ${item.id} expected ${item.expected_files.join(",")} got ${[...new Set(got)].join(",")}\n   ${item.question.slice(0, 150).replace(/\n/g, " ")}`);
}
let hits = 0;
let total = 0;
for (const [route, s] of perRoute) {
  console.log(`${route.padEnd(8)} ${s.hits}/${s.total} = ${((100 * s.hits) / s.total).toFixed(1)}%`);
  hits += s.hits;
  total += s.total;
}
console.log(`overall  ${hits}/${total} = ${((100 * hits) / total).toFixed(1)}%`);
