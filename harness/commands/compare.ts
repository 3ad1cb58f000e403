import { existsSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { z } from "zod";
import { compareRuns, type CompareResult } from "../analysis/compare.js";
import { loadGradedRun, type LoadedRun } from "../analysis/load.js";
import { buildRunView } from "../analysis/run-view.js";
import { HarnessError } from "../errors.js";
import { buildCompareReport } from "../reporting/compare-report.js";
import { writeReports } from "../reporting/write-reports.js";
import { GRADED_LOG_FILE, RUN_LOG_FILE } from "../run-log-schema.js";
import type { CommandIO } from "./io.js";

export const CompareOptionsSchema = z
  .object({
    baseline: z.string().min(1).optional(),
    orchestrated: z.string().min(1).optional(),
    runs: z.string().min(1).optional(),
    bench: z.string().min(1).optional(),
    out: z.string().min(1).optional(),
    resamples: z.coerce.number().int().min(100).max(1_000_000).default(10_000),
    seed: z.coerce.number().int().default(20240601),
  })
  .refine((o) => (o.runs !== undefined) !== (o.baseline !== undefined && o.orchestrated !== undefined), {
    message: "give either BASELINE_RUNLOG ORCHESTRATED_RUNLOG or --runs DIR (not both, not neither)",
  });
export type CompareCommandOptions = z.infer<typeof CompareOptionsSchema>;

/**
 * A run dir's graded log when there is one and it is not older than the run log (a resumed run
 * makes it stale), else its raw run log, graded on the fly.
 */
function logInRunDir(directory: string, notify: (message: string) => void): string {
  const graded = join(directory, GRADED_LOG_FILE);
  const raw = join(directory, RUN_LOG_FILE);
  if (existsSync(graded) && (!existsSync(raw) || statSync(graded).mtimeMs >= statSync(raw).mtimeMs)) return graded;
  if (existsSync(raw)) {
    if (existsSync(graded)) notify(`${graded} is older than ${raw}; grading the run log again`);
    return raw;
  }
  throw new HarnessError(`${directory} holds neither ${GRADED_LOG_FILE} nor ${RUN_LOG_FILE}`);
}

export async function compareCommand(options: CompareCommandOptions, io: CommandIO): Promise<{ result: CompareResult; reports: string[] }> {
  const runDirLog = options.runs ? logInRunDir(options.runs, io.err) : undefined;
  const baselinePath = resolve(runDirLog ?? (options.baseline as string));
  const orchestratedPath = resolve(runDirLog ?? (options.orchestrated as string));
  const load = (path: string) => loadGradedRun(path, { ...(options.bench ? { benchPath: options.bench } : {}), notify: io.err });
  const baseline: LoadedRun = await load(baselinePath);
  const orchestrated: LoadedRun = baselinePath === orchestratedPath ? baseline : await load(orchestratedPath);

  const baselineRecords = baseline.records.filter((r) => r.pipeline === "baseline");
  const orchestratedRecords = orchestrated.records.filter((r) => r.pipeline === "orchestrated");
  if (baselineRecords.length === 0) throw new HarnessError(`${baselinePath} has no baseline records`);
  if (orchestratedRecords.length === 0) throw new HarnessError(`${orchestratedPath} has no orchestrated records`);
  const shaB = baseline.manifest?.benchmark.sha256;
  const shaO = orchestrated.manifest?.benchmark.sha256;
  if (shaB && shaO && shaB !== shaO) {
    throw new HarnessError("the two runs used different benchmarks (manifest sha256 differs); a paired comparison needs the same questions");
  }
  const benchmark = baseline.benchmark ?? orchestrated.benchmark;
  const limits = [baseline.manifest?.benchmark.items, orchestrated.manifest?.benchmark.items].filter((n): n is number => n !== undefined);
  const view = buildRunView([...baselineRecords, ...orchestratedRecords], {
    ...(benchmark ? { items: benchmark.items } : {}),
    pipelines: ["baseline", "orchestrated"],
    repeats: Math.max(baseline.manifest?.repeats ?? 1, orchestrated.manifest?.repeats ?? 1),
    ...(limits.length > 0 ? { questionLimit: Math.max(...limits) } : {}),
  });
  const result = compareRuns(view, { resamples: options.resamples, seed: options.seed });
  const outDir = resolve(options.out ?? (options.runs ? options.runs : dirname(orchestratedPath)));
  const reports = await writeReports(
    buildCompareReport({
      result,
      view,
      baselinePath,
      orchestratedPath,
      baselineManifest: baseline.manifest,
      orchestratedManifest: orchestrated.manifest,
    }),
    outDir,
  );
  io.out(result.verdict.summary);
  for (const reason of result.verdict.reasons) io.out(`  - ${reason}`);
  io.out(`reports: ${reports.join(", ")}`);
  return { result, reports };
}
