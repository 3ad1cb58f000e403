/**
 * One measured indexing phase in a fresh process (so peak memory is this phase's own):
 * builds the index of --repo with the cache in --cache and prints one JSON line.
 */
import { Command } from "commander";
import { buildRepositoryIndex } from "../../src/index/repository-index.js";

const options = new Command().requiredOption("--repo <path>").requiredOption("--cache <dir>").parse().opts<{ repo: string; cache: string }>();
const started = performance.now();
const index = await buildRepositoryIndex({ root: options.repo, cacheDirectory: options.cache });
const ms = performance.now() - started;
const { files, chunks, symbols, analysed, fromCache } = index.stats;
process.stdout.write(
  JSON.stringify({ ms: Math.round(ms), peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024), heapUsedMb: Math.round(process.memoryUsage().heapUsed / 1e6), files, chunks, symbols, analysed, fromCache }) + "\n",
);
