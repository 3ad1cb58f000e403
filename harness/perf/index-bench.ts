/**
 * `npm run bench:index [-- --repo PATH ...] [--write]`: indexing time and peak memory (cold: empty
 * cache; warm: unchanged files from the cache), and tool latency p50/p99 over 1,000 queries for
 * search_code and find_symbol. Each indexing phase runs in its own process so its peak memory is
 * its own. With --write, the table replaces the index section of docs/PERFORMANCE.md.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Command } from "commander";
import { z } from "zod";
import { PROJECT_ROOT, SAMPLE_REPO_PATH } from "../../src/config.js";
import { buildRepositoryIndex, type RepositoryIndex } from "../../src/index/repository-index.js";
import { runTool } from "../../src/tools/registry.js";
import { percentile } from "../stats.js";
import { replaceSection } from "./markdown-section.js";
import { seededRandom } from "../../src/random.js";

const PhaseSchema = z.object({ ms: z.number(), peakRssMb: z.number(), heapUsedMb: z.number(), files: z.number(), chunks: z.number(), symbols: z.number(), analysed: z.number(), fromCache: z.number() });
type Phase = z.infer<typeof PhaseSchema>;

const PHASE_SCRIPT = fileURLToPath(new URL("./index-bench-phase.ts", import.meta.url));
const QUERIES = 1000;

function runPhase(repo: string, cache: string): Phase {
  const output = execFileSync(process.execPath, ["--max-semi-space-size=64", "--import", "tsx", PHASE_SCRIPT, "--repo", repo, "--cache", cache], { encoding: "utf8", cwd: PROJECT_ROOT, maxBuffer: 1 << 20 });
  return PhaseSchema.parse(JSON.parse(output.trim().split("\n").at(-1)!));
}

/** A seeded generator, so every run asks the same 1,000 questions. */
/** Queries drawn from the repository itself: symbol names, and 2-4 words from random chunks. */
async function sampleQueries(index: RepositoryIndex, count: number): Promise<{ symbols: string[]; searches: string[] }> {
  const random = seededRandom(42);
  const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)]!;
  const symbols = Array.from({ length: count }, () => pick(index.symbols).name);
  const chunks = [...index.chunks.values()];
  const searches: string[] = [];
  while (searches.length < count) {
    const words = (await index.chunkText(pick(chunks))).match(/[A-Za-z_][A-Za-z0-9_]{3,}/g) ?? [];
    if (words.length < 4) continue;
    searches.push(Array.from({ length: 2 + Math.floor(random() * 3) }, () => pick(words)).join(" "));
  }
  return { symbols, searches };
}

async function latencies(run: () => Promise<unknown>, calls: number): Promise<{ p50: number; p99: number }> {
  const times: number[] = [];
  for (let i = 0; i < calls; i++) {
    const started = performance.now();
    await run();
    times.push(performance.now() - started);
  }
  return { p50: percentile(times, 50), p99: percentile(times, 99) };
}

interface RepoFigures {
  name: string;
  cold: Phase;
  warm: Phase;
  searchCode: { p50: number; p99: number };
  findSymbol: { p50: number; p99: number };
}

async function benchRepository(repo: string, name: string): Promise<RepoFigures> {
  const cache = mkdtempSync(path.join(tmpdir(), "bench-index-"));
  try {
    process.stderr.write(`${name}: cold index...\n`);
    const cold = runPhase(repo, cache);
    process.stderr.write(`${name}: warm index...\n`);
    const warm = runPhase(repo, cache);
    const index = await buildRepositoryIndex({ root: repo, cacheDirectory: cache });
    const queries = await sampleQueries(index, QUERIES);
    let i = 0;
    process.stderr.write(`${name}: ${QUERIES} search_code and ${QUERIES} find_symbol calls...\n`);
    const searchCode = await latencies(() => runTool(index, "search_code", { query: queries.searches[i++ % QUERIES]!, k: 8 }), QUERIES);
    i = 0;
    const findSymbol = await latencies(() => runTool(index, "find_symbol", { name: queries.symbols[i++ % QUERIES]! }), QUERIES);
    return { name, cold, warm, searchCode, findSymbol };
  } finally {
    rmSync(cache, { recursive: true, force: true });
  }
}

const ms = (value: number) => (value >= 1000 ? `${(value / 1000).toFixed(2)} s` : `${value.toFixed(value < 10 ? 2 : 0)} ms`);

function table(results: readonly RepoFigures[]): string {
  const rows = results.map(
    (r) =>
      `| ${r.name} | ${r.cold.files.toLocaleString("en")} | ${r.cold.chunks.toLocaleString("en")} | ${ms(r.cold.ms)} | ${r.cold.peakRssMb} MB | ${ms(r.warm.ms)} | ${r.warm.peakRssMb} MB | ${ms(r.searchCode.p50)} / ${ms(r.searchCode.p99)} | ${ms(r.findSymbol.p50)} / ${ms(r.findSymbol.p99)} |`,
  );
  return [
    "| Repository | Files indexed | Chunks | Cold index | Cold peak RSS | Warm index | Warm peak RSS | search_code p50 / p99 | find_symbol p50 / p99 |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ...rows,
  ].join("\n");
}

const program = new Command()
  .option("--repo <path...>", "more repositories to measure besides the sample", [])
  .option("--write", "replace the index section of docs/PERFORMANCE.md with the results")
  .parse();
const options = program.opts<{ repo: string[]; write?: boolean }>();
const results = [await benchRepository(SAMPLE_REPO_PATH, "sample repository (harness/fixtures/sample-repo)")];
for (const repo of options.repo) results.push(await benchRepository(path.resolve(repo), path.basename(repo)));

const machine = `${cpus().length} × ${cpus()[0]?.model.trim() ?? "cpu"}, Node ${process.version}`;
const section = `Measured ${new Date().toISOString().slice(0, 10)} on ${machine} by \`npm run bench:index\`.\n\n${table(results)}`;
console.log(section);
if (options.write) {
  const file = path.join(PROJECT_ROOT, "docs/PERFORMANCE.md");
  writeFileSync(file, replaceSection(readFileSync(file, "utf8"), "index", section));
  console.error(`updated ${file}`);
}
