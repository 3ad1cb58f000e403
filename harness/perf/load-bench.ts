/**
 * `npm run bench:load [-- --connections 4,8,16,32,64 --warmup 10 --duration 30 --write]`: the service
 * under concurrent load. Starts the offline service on the sample repository in a child process
 * (as `npm start` does, with AUTH=off, RATE_LIMIT_MAX=0, LOG_LEVEL=warn and a temporary state
 * database), warms it up, then drives `POST /ask` with autocannon at each concurrency level for a
 * fixed time, every request a different question from the sample benchmark (one in four on the
 * baseline pipeline). Reports requests, errors (non-2xx and socket errors: must be zero),
 * throughput, latency p50/p99 and the service's resident memory; exits 1 if a request failed at
 * the reported level (errors at other levels are reported, not fatal: the highest levels
 * overload the service on purpose).
 * With --write, the result replaces the load section of docs/RELIABILITY.md. With --profile the
 * service runs under `--cpu-prof` and the report says where its CPU time went (the profiler slows
 * it, so --write then replaces only the profile section, not the load figures).
 *
 * The load generator runs in this process on the same machine, so it takes CPU from the service:
 * the figures are a floor for a service with a machine to itself.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { cpus, tmpdir, totalmem } from "node:os";
import path from "node:path";
import autocannon from "autocannon";
import { Command } from "commander";
import { PROJECT_ROOT } from "../../src/config.js";
import { loadBenchmark } from "../benchmark.js";
import { profileSummaryMarkdown, summarizeCpuProfile } from "./cpu-profile-summary.js";
import { replaceSection } from "./markdown-section.js";
import { startService, type ServiceProcess } from "./service-process.js";

/** The target this bench checks: at least this throughput with p99 under this latency. */
const TARGET_RPS = 100;
const TARGET_P99_MS = 250;
const RSS_SAMPLE_MS = 1_000;
/** A request slower than this counts as a timeout error (autocannon's default is 10 s). */
const REQUEST_TIMEOUT_S = 10;

const program = new Command()
  .option("--connections <list>", "concurrency levels to try, comma-separated", "4,8,16,32,64")
  .option("--warmup <seconds>", "warm-up before the measured runs", "10")
  .option("--duration <seconds>", "measured time per concurrency level", "30")
  .option("--baseline-share <n>", "every n-th request asks the baseline pipeline (0: never)", "4")
  .option("--profile", "run the service under --cpu-prof and report where its CPU time went")
  .option("--write", "replace the load section (with --profile: the profile section) of docs/RELIABILITY.md")
  .parse();
const options = program.opts<{ connections: string; warmup: string; duration: string; baselineShare: string; profile?: boolean; write?: boolean }>();
const levels = options.connections.split(",").map((level) => Number(level.trim()));
const warmupSeconds = Number(options.warmup);
const durationSeconds = Number(options.duration);
const baselineShare = Number(options.baselineShare);
if (levels.some((level) => !Number.isInteger(level) || level < 1) || !(warmupSeconds >= 0) || !(durationSeconds > 0) || !(baselineShare >= 0)) {
  program.error("--connections takes positive integers; --warmup, --duration and --baseline-share take non-negative numbers");
}

interface LevelResult {
  connections: number;
  requests: number;
  non2xx: number;
  socketErrors: number;
  timeouts: number;
  rps: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  /** Share of one core the service used during the run. */
  serviceCpu: number;
  /** Share of one core the load generator (this process) used during the run. */
  clientCpu: number;
  rssEndMb: number;
}

const questions = (await loadBenchmark(path.join(PROJECT_ROOT, "harness/benchmarks/sample-repo.jsonl"))).items.map((item) => item.question);
let asked = 0;
/** The next request's body: the next question, shared across connections so consecutive requests differ. */
function nextBody(): string {
  const n = asked++;
  const pipeline = baselineShare > 0 && n % baselineShare === baselineShare - 1 ? "baseline" : "orchestrated";
  return JSON.stringify({ question: questions[n % questions.length], pipeline });
}

async function drive(service: ServiceProcess, connections: number, seconds: number) {
  return autocannon({
    url: service.url,
    connections,
    duration: seconds,
    timeout: REQUEST_TIMEOUT_S,
    requests: [{ method: "POST", path: "/ask", headers: { "content-type": "application/json" }, setupRequest: (request) => ({ ...request, body: nextBody() }) }],
  });
}

async function measureLevel(service: ServiceProcess, connections: number): Promise<LevelResult> {
  const cpuBefore = service.cpuMs();
  const clientCpuBefore = process.cpuUsage();
  const started = performance.now();
  const result = await drive(service, connections, durationSeconds);
  const elapsedMs = performance.now() - started;
  const clientCpu = process.cpuUsage(clientCpuBefore);
  const row: LevelResult = {
    connections,
    requests: result.requests.total,
    non2xx: result.non2xx,
    socketErrors: result.errors,
    timeouts: result.timeouts,
    rps: result.requests.total / result.duration,
    p50: result.latency.p50,
    p90: result.latency.p90,
    p99: result.latency.p99,
    max: result.latency.max,
    serviceCpu: (service.cpuMs() - cpuBefore) / elapsedMs,
    clientCpu: (clientCpu.user + clientCpu.system) / 1000 / elapsedMs,
    rssEndMb: service.rssMb(),
  };
  process.stderr.write(
    `  ${connections} connections: ${row.requests} requests, ${row.rps.toFixed(1)} req/s, p50 ${row.p50} ms, p99 ${row.p99} ms, ` +
      `non-2xx ${row.non2xx}, socket errors ${row.socketErrors}, CPU: service ${(row.serviceCpu * 100).toFixed(0)}%, load generator ${(row.clientCpu * 100).toFixed(0)}% of a core, RSS ${row.rssEndMb.toFixed(0)} MiB\n`,
  );
  return row;
}

const meetsTarget = (row: LevelResult) => row.rps >= TARGET_RPS && row.p99 < TARGET_P99_MS && row.non2xx + row.socketErrors === 0;
const failed = (row: LevelResult) => row.non2xx + row.socketErrors;

/** The level to report: the fastest that meets the target, else the fastest whose p99 is under the limit, else the lowest p99. */
function pickLevel(rows: LevelResult[]): LevelResult {
  const byThroughput = [...rows].sort((a, b) => b.rps - a.rps);
  return byThroughput.find(meetsTarget) ?? byThroughput.find((row) => row.p99 < TARGET_P99_MS && failed(row) === 0) ?? [...rows].sort((a, b) => a.p99 - b.p99)[0]!;
}

const workDir = mkdtempSync(path.join(tmpdir(), "bench-load-"));
const logFile = path.join(workDir, "service.log");
process.stderr.write(`starting the service (log: ${logFile})\n`);
const profileDir = path.join(workDir, "profile");
const service = await startService({
  env: { STATE_DB_PATH: path.join(workDir, "state.sqlite") },
  logFile,
  ...(options.profile ? { nodeFlags: ["--cpu-prof", `--cpu-prof-dir=${profileDir}`] } : {}),
});
let peakRssMb = service.rssMb();
const sampler = setInterval(() => {
  try {
    peakRssMb = Math.max(peakRssMb, service.rssMb());
  } catch {
    // The process is gone; the run reports that.
  }
}, RSS_SAMPLE_MS);

let rows: LevelResult[];
let rssStartMb: number;
let rssAfterWarmupMb: number;
let rssEndMb: number;
let exitCode: number | null;
try {
  rssStartMb = service.rssMb();
  process.stderr.write(`ready; RSS ${rssStartMb.toFixed(0)} MiB. Warm-up: ${warmupSeconds} s at ${levels[0]} connections\n`);
  if (warmupSeconds > 0) {
    const warmup = await drive(service, levels[0]!, warmupSeconds);
    if (warmup.non2xx + warmup.errors > 0) process.stderr.write(`  warm-up: ${warmup.non2xx} non-2xx, ${warmup.errors} socket errors\n`);
  }
  rssAfterWarmupMb = service.rssMb();
  process.stderr.write(`after warm-up: RSS ${rssAfterWarmupMb.toFixed(0)} MiB. Measuring ${durationSeconds} s per level\n`);
  rows = [];
  for (const connections of levels) rows.push(await measureLevel(service, connections));
  rssEndMb = service.rssMb();
  const health = await fetch(`${service.url}/healthz`);
  if (!health.ok) throw new Error(`/healthz answered ${health.status} after the load`);
} finally {
  clearInterval(sampler);
  exitCode = await service.stop();
}
/** The main thread's profile: the largest file (tsx's loader thread writes a small one beside it). */
function mainThreadProfile(): unknown {
  const files = readdirSync(profileDir).map((name) => path.join(profileDir, name));
  const largest = files.sort((a, b) => statSync(b).size - statSync(a).size)[0];
  if (!largest) throw new Error(`the service wrote no CPU profile in ${profileDir}`);
  return JSON.parse(readFileSync(largest, "utf8"));
}
const profileSection = options.profile ? profileSummaryMarkdown(summarizeCpuProfile(mainThreadProfile(), /\/src\/server\/routes\/ask\.ts$/)) : undefined;
rmSync(workDir, { recursive: true, force: true });

const chosen = pickLevel(rows);
const ms = (value: number) => `${Math.round(value)} ms`;
const mib = (value: number) => `${value.toFixed(0)} MiB`;
const table = [
  "| Connections | Requests | Errors (non-2xx + socket) | Throughput | p50 | p90 | p99 | Max | CPU: service / load generator | RSS after |",
  "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
  ...rows.map(
    (row) =>
      `| ${row.connections}${row === chosen ? " (reported)" : ""} | ${row.requests} | ${failed(row)} | ${row.rps.toFixed(1)} req/s | ${ms(row.p50)} | ${ms(row.p90)} | ${ms(row.p99)} | ${ms(row.max)} | ${(row.serviceCpu * 100).toFixed(0)}% / ${(row.clientCpu * 100).toFixed(0)}% | ${mib(row.rssEndMb)} |`,
  ),
].join("\n");
const totalErrors = rows.reduce((sum, row) => sum + failed(row), 0);
const verdict = meetsTarget(chosen)
  ? `meets the target (≥ ${TARGET_RPS} req/s with p99 < ${TARGET_P99_MS} ms)`
  : `**misses the target** (≥ ${TARGET_RPS} req/s with p99 < ${TARGET_P99_MS} ms): see "Where the time goes" below`;
const machine = `${cpus().length} × ${cpus()[0]?.model.trim() ?? "cpu"}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${process.platform}`;
const section = [
  `Measured ${new Date().toISOString().slice(0, 10)} on ${machine} by \`npm run bench:load\`: offline provider, sample repository, ` +
    `${questions.length} benchmark questions in turn (every ${baselineShare > 0 ? `${baselineShare}th on the baseline pipeline, the rest orchestrated` : "one orchestrated"}), ` +
    `${warmupSeconds} s warm-up at ${levels[0]} connections, then ${durationSeconds} s per level. The load generator (autocannon) shares the machine's cores with the service; CPU is in % of one core.`,
  "",
  table,
  "",
  `Reported: **${chosen.connections} connections, ${chosen.rps.toFixed(1)} req/s, p50 ${ms(chosen.p50)}, p99 ${ms(chosen.p99)}, ${failed(chosen)} errors**; ${verdict}.`,
  "",
  `Errors over all levels: ${totalErrors} (${rows.reduce((s, r) => s + r.non2xx, 0)} non-2xx, ${rows.reduce((s, r) => s + r.socketErrors, 0)} socket errors, of which ${rows.reduce((s, r) => s + r.timeouts, 0)} timeouts over ${REQUEST_TIMEOUT_S} s)` +
    (totalErrors > 0 ? `, at ${rows.filter((row) => failed(row) > 0).map((row) => `${row.connections} connections`).join(", ")}.` : "."),
  "",
  `Service memory (VmRSS): ${mib(rssStartMb)} at start (index built, before any request), ${mib(rssAfterWarmupMb)} after warm-up, ${mib(rssEndMb)} at the end ` +
    `(${rssEndMb - rssAfterWarmupMb >= 0 ? "+" : ""}${mib(rssEndMb - rssAfterWarmupMb)} after warm-up, over ${rows.reduce((s, r) => s + r.requests, 0)} measured requests); peak ${mib(peakRssMb)}. ` +
    `Shut down with SIGTERM: exit code ${exitCode}.`,
].join("\n");
console.log(section);
if (profileSection) console.log(`\n${profileSection}`);

if (options.write) {
  const file = path.join(PROJECT_ROOT, "docs/RELIABILITY.md");
  const updated = profileSection
    ? replaceSection(readFileSync(file, "utf8"), "load-profile", `Measured ${new Date().toISOString().slice(0, 10)} by \`npm run bench:load -- --profile\` (the profiler slows the service; its throughput is not the figure above).\n\n${profileSection}`)
    : replaceSection(readFileSync(file, "utf8"), "load", section);
  writeFileSync(file, updated);
  process.stderr.write(`updated ${file}\n`);
}
if (failed(chosen) > 0 || exitCode !== 0) process.exitCode = 1;
