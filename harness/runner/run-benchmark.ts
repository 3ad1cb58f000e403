import { randomBytes } from "node:crypto";
import { appendFile, mkdir, rename, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import cliProgress from "cli-progress";
import { AskResultSchema, type AskResult, type Pipeline, type PipelineName } from "../../src/contract.js";
import type { BenchmarkItem } from "../benchmark-schema.js";
import { loadBenchmark } from "../benchmark.js";
import { HarnessError, errorMessage } from "../errors.js";
import { describeZodError, formatIssue, parseJsonl, readTextFile, toJsonl } from "../jsonl.js";
import type { ModelDescription, PipelineFactory } from "../pipelines.js";
import { MANIFEST_FILE, RUN_LOG_FILE, RunRecordSchema, type RunManifest, type RunRecord } from "../run-log-schema.js";
import { createHttpPipeline } from "./http-pipeline.js";
import { currentGitCommit, gitWorkTreeDirty, readManifest, writeManifest } from "./manifest.js";
import { runPool } from "./pool.js";
import { PipelineCallError, describeFailure, recordKey, toErrorRecord, toRunRecord, type RecordCoordinates } from "./records.js";

export interface RunBenchmarkOptions {
  benchPath: string;
  /** Repository under test; required in-process, informational with `url`. */
  repoPath: string | null;
  pipelines: readonly PipelineName[];
  repeats: number;
  concurrency: number;
  limit: number | null;
  outDir: string;
  /** Ask a running server instead of in-process pipelines. */
  url: string | null;
  resume: boolean;
  retryErrors: boolean;
  noCache: boolean;
  /** Per question; a pipeline that takes longer yields an error record with code `timeout`. */
  timeoutMs: number;
  /** Show the cli-progress bar on stderr. */
  progress: boolean;
  /** In-process pipelines; required when `url` is null. */
  factory?: PipelineFactory;
  describeModels?: () => ModelDescription;
  /** Aborting interrupts the run: nothing new starts, unfinished questions leave no record. */
  signal?: AbortSignal;
  /** Human-readable notices (resume decisions, dropped torn lines). */
  notify?: (message: string) => void;
}

export interface RunSummary {
  runId: string;
  outDir: string;
  runLogPath: string;
  manifestPath: string;
  planned: number;
  executed: number;
  skipped: number;
  errors: number;
  interrupted: boolean;
}

interface Task {
  item: BenchmarkItem;
  pipeline: PipelineName;
  repeat: number;
}

function newRunId(): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z");
  return `run-${stamp}-${randomBytes(3).toString("hex")}`;
}

/** Reads an existing run log, tolerating only a torn last line (what an interrupted append leaves). */
async function readExistingRunLog(path: string, notify: (message: string) => void): Promise<{ records: RunRecord[]; mustRewrite: boolean } | undefined> {
  let text: string;
  try {
    text = await readTextFile(path, "run log");
  } catch {
    return undefined;
  }
  const { rows, issues, truncatedTail } = parseJsonl(text, path, RunRecordSchema);
  const lastLine = text.split(/\r?\n/).filter((line) => line.trim() !== "").length;
  const fatal = issues.filter((issue) => !(truncatedTail && issue.line === lastLine));
  if (fatal.length > 0) {
    throw new HarnessError(`run log ${path} is corrupt; fix or move it first:\n${fatal.map(formatIssue).join("\n")}`);
  }
  if (truncatedTail) notify(`dropping a torn last line of ${path} (an interrupted write); that question will be re-run`);
  return { records: rows.map((row) => row.value), mustRewrite: truncatedTail };
}

function withTimeout<T>(work: (signal: AbortSignal) => Promise<T>, timeoutMs: number, runSignal: AbortSignal | undefined): Promise<T> {
  const timeout = AbortSignal.timeout(timeoutMs);
  const combined = runSignal ? AbortSignal.any([runSignal, timeout]) : timeout;
  return new Promise<T>((resolvePromise, reject) => {
    const onAbort = () => {
      if (timeout.aborted) reject(new PipelineCallError("timeout", `no answer within ${timeoutMs} ms`));
      else reject(new InterruptedError());
    };
    if (combined.aborted) return onAbort();
    combined.addEventListener("abort", onAbort, { once: true });
    work(combined).then(
      (value) => {
        combined.removeEventListener("abort", onAbort);
        resolvePromise(value);
      },
      (error: unknown) => {
        combined.removeEventListener("abort", onAbort);
        reject(runSignal?.aborted ? new InterruptedError() : error);
      },
    );
  });
}

class InterruptedError extends Error {
  constructor() {
    super("run interrupted");
  }
}

/**
 * Runs every benchmark question through each pipeline `repeats` times, appending one RunRecord per
 * (question, pipeline, repeat) as it finishes, so an interrupted run keeps everything it finished.
 */
export async function runBenchmark(options: RunBenchmarkOptions): Promise<RunSummary> {
  const notify = options.notify ?? (() => {});
  if (options.url === null && !options.factory) throw new HarnessError("in-process runs need a pipeline factory (or pass --url)");
  if (options.url === null && !options.repoPath) throw new HarnessError("--repo is required unless --url is given");

  const benchmark = await loadBenchmark(options.benchPath);
  const items = options.limit === null ? benchmark.items : benchmark.items.slice(0, options.limit);
  const outDir = resolve(options.outDir);
  const runLogPath = join(outDir, RUN_LOG_FILE);
  const manifestPath = join(outDir, MANIFEST_FILE);
  await mkdir(outDir, { recursive: true });

  const previousManifest = await readManifest(manifestPath);
  const existing = await readExistingRunLog(runLogPath, notify);
  const continuing = options.resume || options.retryErrors;
  if (!continuing && existing && existing.records.length > 0) {
    throw new HarnessError(`${runLogPath} already holds a run; pass --resume or --retry-errors to continue it, or choose another --out`);
  }
  if (continuing && !existing && !previousManifest) {
    throw new HarnessError(`nothing to ${options.resume ? "resume" : "retry"} in ${outDir} (no ${RUN_LOG_FILE} or ${MANIFEST_FILE})`);
  }
  if (continuing && previousManifest && previousManifest.benchmark.sha256 !== benchmark.sha256) {
    throw new HarnessError(
      `benchmark ${options.benchPath} changed since the run in ${outDir} started (sha256 ${benchmark.sha256.slice(0, 12)} ≠ ${previousManifest.benchmark.sha256.slice(0, 12)}); start a new run instead`,
    );
  }

  const plan: Task[] = [];
  for (const item of items)
    for (const pipeline of options.pipelines)
      for (let repeat = 0; repeat < options.repeats; repeat++) plan.push({ item, pipeline, repeat });

  // Decide what to keep and what to (re-)run. A later record for a key supersedes an earlier one.
  const latest = new Map<string, RunRecord>();
  for (const record of existing?.records ?? []) latest.set(recordKey(record), record);
  const plannedKeys = new Set(plan.map((task) => recordKey({ questionId: task.item.id, pipeline: task.pipeline, repeat: task.repeat })));
  const todo = plan.filter((task) => {
    const record = latest.get(recordKey({ questionId: task.item.id, pipeline: task.pipeline, repeat: task.repeat }));
    if (!continuing) return true;
    if (record === undefined) return options.resume;
    return record.error !== null;
  });
  const rerunKeys = new Set(todo.map((task) => recordKey({ questionId: task.item.id, pipeline: task.pipeline, repeat: task.repeat })));
  const kept = [...latest.values()].filter((record) => !rerunKeys.has(recordKey(record)));
  const dropped = (existing?.records.length ?? 0) - kept.length;
  if (existing && (existing.mustRewrite || dropped > 0)) {
    // Rewrite atomically without the records about to be replaced; if we die before re-running
    // them they are simply missing, which --resume picks up.
    const temporary = `${runLogPath}.tmp`;
    await writeFile(temporary, toJsonl(kept));
    await rename(temporary, runLogPath);
  } else if (!existing) {
    await writeFile(runLogPath, "");
  }
  if (continuing) notify(`${kept.filter((r) => plannedKeys.has(recordKey(r))).length} record(s) kept, ${todo.length} to run`);

  const runId = previousManifest?.runId ?? newRunId();
  const description = options.describeModels?.();
  const manifest: RunManifest = {
    runId,
    status: "running",
    gitCommit: await currentGitCommit(),
    gitDirty: await gitWorkTreeDirty(),
    benchmark: { path: resolve(options.benchPath), sha256: benchmark.sha256, items: items.length },
    repoPath: options.repoPath ? resolve(options.repoPath) : null,
    pipelines: [...options.pipelines],
    repeats: options.repeats,
    config: {
      mode: options.url === null ? "in-process" : "http",
      url: options.url,
      concurrency: options.concurrency,
      limit: options.limit,
      noCache: options.noCache,
      timeoutMs: options.timeoutMs,
    },
    provider: description?.provider ?? previousManifest?.provider ?? null,
    models: description?.models ?? previousManifest?.models ?? {},
    nodeVersion: process.version,
    startedAt: previousManifest?.startedAt ?? new Date().toISOString(),
    endedAt: null,
    counts: null,
  };
  await writeManifest(manifestPath, manifest);

  const pipelines = new Map<PipelineName, Pipeline>();
  for (const name of new Set(todo.map((task) => task.pipeline))) {
    try {
      pipelines.set(
        name,
        options.url !== null
          ? createHttpPipeline(options.url, name)
          : await (options.factory as PipelineFactory)(name, { repoPath: resolve(options.repoPath as string), noCache: options.noCache, runId }),
      );
    } catch (error) {
      throw new HarnessError(`could not create the ${name} pipeline: ${errorMessage(error)}`);
    }
  }

  let writeChain: Promise<void> = Promise.resolve();
  const append = (record: RunRecord) => {
    writeChain = writeChain.then(() => appendFile(runLogPath, JSON.stringify(record) + "\n"));
    return writeChain;
  };

  const bar = options.progress
    ? new cliProgress.SingleBar(
        { stream: process.stderr, format: "{bar} {value}/{total} | errors {errors} | eta {eta_formatted}", hideCursor: true },
        cliProgress.Presets.shades_classic,
      )
    : undefined;
  bar?.start(todo.length, 0, { errors: 0 });

  let executed = 0;
  let errors = 0;
  await runPool(
    todo,
    options.concurrency,
    async (task) => {
      const pipeline = pipelines.get(task.pipeline) as Pipeline;
      const coordinates: RecordCoordinates = {
        runId,
        questionId: task.item.id,
        pipeline: task.pipeline,
        repeat: task.repeat,
        question: task.item.question,
        startedAt: new Date().toISOString(),
      };
      const started = performance.now();
      let record: RunRecord;
      try {
        const result = await withTimeout(
          (signal) =>
            pipeline.run(task.item.question, {
              harnessRunId: runId,
              repeat: task.repeat,
              // One trace session per run: its questions are independent, so none of them is a thread.
              sessionId: runId,
              signal,
            }),
          options.timeoutMs,
          options.signal,
        );
        record = toRunRecord(coordinates, validateResult(result, task.pipeline));
        if (manifest.provider === null) manifest.provider = result.provider;
      } catch (error) {
        if (error instanceof InterruptedError) return; // leaves no record: --resume runs it again
        record = toErrorRecord(coordinates, describeFailure(error), Math.round(performance.now() - started));
        errors++;
      }
      await append(record);
      executed++;
      bar?.increment(1, { errors });
    },
    options.signal,
  );
  await writeChain;
  bar?.stop();

  const interrupted = options.signal?.aborted === true;
  const finalText = await readTextFile(runLogPath, "run log");
  const finalRecords = parseJsonl(finalText, runLogPath, RunRecordSchema).rows.map((row) => row.value);
  const finalByKey = new Map(finalRecords.map((record) => [recordKey(record), record]));
  const plannedRecords = [...plannedKeys].map((key) => finalByKey.get(key)).filter((r): r is RunRecord => r !== undefined);
  manifest.status = interrupted ? "interrupted" : "completed";
  manifest.endedAt = new Date().toISOString();
  manifest.counts = {
    planned: plan.length,
    completed: plannedRecords.filter((record) => record.error === null).length,
    errors: plannedRecords.filter((record) => record.error !== null).length,
  };
  await writeManifest(manifestPath, manifest);

  return {
    runId,
    outDir,
    runLogPath,
    manifestPath,
    planned: plan.length,
    executed,
    skipped: plan.length - todo.length,
    errors,
    interrupted,
  };
}

/** In-process pipelines are held to the same contract as the server: a bad result is an error record. */
function validateResult(result: AskResult, expected: PipelineName): AskResult {
  const parsed = AskResultSchema.safeParse(result);
  if (!parsed.success) throw new PipelineCallError("invalid_result", `pipeline returned no valid AskResult: ${describeZodError(parsed.error)}`);
  if (parsed.data.pipeline !== expected) {
    throw new PipelineCallError("invalid_result", `asked the ${expected} pipeline but the result says ${parsed.data.pipeline}`);
  }
  return parsed.data;
}
