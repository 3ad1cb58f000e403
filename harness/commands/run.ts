import { join } from "node:path";
import { z } from "zod";
import { PipelineNameSchema, type PipelineName } from "../../src/contract.js";
import { loadBenchmark } from "../benchmark.js";
import { HarnessError } from "../errors.js";
import { defaultDatasetName, exportDatasetRuns } from "../langfuse/dataset-export.js";
import { langfuseAvailabilityFromEnvironment, type LangfuseAvailability } from "../langfuse/settings.js";
import { createPipelineFactory, type ModelDescription, type PipelineFactory } from "../pipelines.js";
import { runBenchmark, type RunSummary } from "../runner/run-benchmark.js";
import { flushTracing } from "../../src/tracing/setup.js";
import type { CommandIO } from "./io.js";

export const RunOptionsSchema = z
  .object({
    bench: z.string().min(1),
    repo: z.string().min(1).optional(),
    pipeline: z.enum(["orchestrated", "baseline", "both"]),
    repeats: z.coerce.number().int().min(1).max(100).default(1),
    concurrency: z.coerce.number().int().min(1).max(64).default(2),
    limit: z.coerce.number().int().min(1).optional(),
    out: z.string().min(1).optional(),
    url: z.url({ protocol: /^https?$/ }).optional(),
    resume: z.boolean().default(false),
    retryErrors: z.boolean().default(false),
    /** commander turns `--no-cache` into `cache: false`. */
    cache: z.boolean().default(true),
    timeoutMs: z.coerce.number().int().min(1).default(300_000),
    progress: z.boolean().default(true),
    /** Dataset to record the run in when Langfuse keys are set (default harness-<bench name>); false: `--no-langfuse-dataset`. */
    langfuseDataset: z.union([z.string().trim().min(1).max(200), z.literal(false)]).optional(),
  })
  .refine((o) => o.url !== undefined || o.repo !== undefined, { message: "--repo is required unless --url is given", path: ["repo"] })
  .refine((o) => !(o.resume || o.retryErrors) || o.out !== undefined, { message: "--resume and --retry-errors need the --out of the run to continue", path: ["out"] });
export type RunOptions = z.infer<typeof RunOptionsSchema>;

export interface RunDependencies {
  /** Defaults to harness/pipelines.ts#createPipelineFactory (the lead's wiring point). */
  createFactory?: () => { factory: PipelineFactory; describe?: () => ModelDescription };
  signal?: AbortSignal;
  /** Where the dataset run goes; default: the Langfuse keys in the environment (read through src/config.ts). */
  langfuse?: LangfuseAvailability;
}

export function pipelinesFor(choice: RunOptions["pipeline"]): PipelineName[] {
  return choice === "both" ? [...PipelineNameSchema.options].reverse() : [choice];
}

export async function runCommand(options: RunOptions, io: CommandIO, deps: RunDependencies = {}): Promise<RunSummary> {
  await loadBenchmark(options.bench); // refuse an invalid benchmark before anything else is set up
  let factory: PipelineFactory | undefined;
  let describe: (() => ModelDescription) | undefined;
  if (options.url === undefined) {
    try {
      ({ factory, describe } = (deps.createFactory ?? createPipelineFactory)());
    } catch (error) {
      throw new HarnessError(`cannot run in-process: ${(error as Error).message}. Use --url to run against a server.`);
    }
  }
  const stamp = new Date().toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z");
  const summary = await runBenchmark({
    benchPath: options.bench,
    repoPath: options.repo ?? null,
    pipelines: pipelinesFor(options.pipeline),
    repeats: options.repeats,
    concurrency: options.concurrency,
    limit: options.limit ?? null,
    outDir: options.out ?? join("runs", stamp),
    url: options.url ?? null,
    resume: options.resume,
    retryErrors: options.retryErrors,
    noCache: !options.cache,
    timeoutMs: options.timeoutMs,
    progress: options.progress && process.stderr.isTTY === true,
    ...(factory ? { factory } : {}),
    ...(describe ? { describeModels: describe } : {}),
    ...(deps.signal ? { signal: deps.signal } : {}),
    notify: io.err,
  }).finally(async () => {
    // In-process pipelines traced into this process: deliver the run's traces before the CLI exits.
    if (!(await flushTracing())) io.err("tracing: exporting this run's traces did not finish in time; some may be missing in Langfuse");
  });
  io.out(
    `${summary.interrupted ? "interrupted" : "done"}: ${summary.executed} run, ${summary.skipped} kept from before, ${summary.errors} error(s) of ${summary.planned} planned`,
  );
  io.out(`run log: ${summary.runLogPath}`);
  io.out(`manifest: ${summary.manifestPath}`);
  if (summary.interrupted) io.out(`continue with: run ... --out ${summary.outDir} --resume`);
  if (options.langfuseDataset !== false && !summary.interrupted) {
    const { outDir: runDir, runLogPath, manifestPath } = summary;
    const datasetName = options.langfuseDataset ?? defaultDatasetName(options.bench);
    await exportDatasetRuns(deps.langfuse ?? langfuseAvailabilityFromEnvironment(), { runDir, runLogPath, manifestPath, datasetName }, io);
  }
  return summary;
}
