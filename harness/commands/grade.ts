import { dirname, join, resolve } from "node:path";
import { z } from "zod";
import { loadRunRecords, writeGradedLog } from "../analysis/load.js";
import { summarizePipeline } from "../analysis/metrics.js";
import { buildRunView } from "../analysis/run-view.js";
import { loadBenchmark } from "../benchmark.js";
import { HarnessError } from "../errors.js";
import { gradeRecords, type GradeOptions } from "../grading/grade-records.js";
import type { Judge } from "../grading/judge.js";
import { createOpenAIJudge } from "../grading/openai-judge.js";
import { createGradeExport } from "../langfuse/grade-export.js";
import { langfuseAvailabilityFromEnvironment, type LangfuseAvailability } from "../langfuse/settings.js";
import { buildGradeReport } from "../reporting/grade-report.js";
import { writeReports } from "../reporting/write-reports.js";
import { readManifest } from "../runner/manifest.js";
import { GRADED_LOG_FILE, MANIFEST_FILE } from "../run-log-schema.js";
import type { CommandIO } from "./io.js";

export const GradeOptionsSchema = z.object({
  runlog: z.string().min(1),
  bench: z.string().min(1).optional(),
  out: z.string().min(1).optional(),
  judge: z.boolean().default(false),
  judgeModel: z.string().min(1).optional(),
  labelFrom: z.enum(["rule", "judge"]).default("rule"),
});
export type GradeCommandOptions = z.infer<typeof GradeOptionsSchema>;

export interface GradeDependencies {
  /** Injected judge (tests); otherwise `--judge` builds the OpenAI one. */
  judge?: Judge;
  onGraded?: GradeOptions["onGraded"];
  /** Where scores go; default: the Langfuse keys in the environment (read through src/config.ts). */
  langfuse?: LangfuseAvailability;
}

export async function gradeCommand(options: GradeCommandOptions, io: CommandIO, deps: GradeDependencies = {}): Promise<{ gradedLogPath: string; reports: string[] }> {
  const runlog = resolve(options.runlog);
  const manifest = await readManifest(join(dirname(runlog), MANIFEST_FILE));
  const benchPath = options.bench ?? manifest?.benchmark.path;
  if (!benchPath) throw new HarnessError(`no benchmark for ${runlog}: pass --bench FILE (no ${MANIFEST_FILE} next to it names one)`);
  const benchmark = await loadBenchmark(benchPath);
  if (manifest && !options.bench && manifest.benchmark.sha256 !== benchmark.sha256) {
    io.err(`warning: ${benchPath} changed since the run (sha256 differs from the manifest); grading against the current file`);
  }
  const judge = deps.judge ?? (options.judge ? createOpenAIJudge(options.judgeModel ? { model: options.judgeModel } : {}) : undefined);
  if (options.labelFrom === "judge" && !judge) throw new HarnessError("--label-from judge needs --judge");
  const records = await loadRunRecords(runlog, io.err);
  const langfuse = createGradeExport(deps.langfuse ?? langfuseAvailabilityFromEnvironment(), io);
  const graded = await gradeRecords(records, benchmark.items, {
    labelFrom: options.labelFrom,
    ...(judge ? { judge } : {}),
    onGraded: async (record, grades) => {
      langfuse.onGraded(record);
      await deps.onGraded?.(record, grades);
    },
  });
  const outDir = resolve(options.out ?? dirname(runlog));
  const gradedLogPath = join(outDir, GRADED_LOG_FILE);
  await writeGradedLog(gradedLogPath, graded);
  const view = buildRunView(graded, manifest ? { items: benchmark.items, manifest } : { items: benchmark.items });
  const summaries = view.pipelines.map((pipeline) => summarizePipeline(view, pipeline));
  const reports = await writeReports(buildGradeReport({ runLogPath: runlog, gradedLogPath, records: graded, view, summaries, manifest }), outDir);
  for (const s of summaries) {
    io.out(`${s.pipeline}: accuracy ${(s.accuracy * 100).toFixed(1)}% over ${s.records} record(s), ${s.errors} error(s), ${s.missing} missing`);
  }
  io.out(`graded log: ${gradedLogPath}`);
  io.out(`reports: ${reports.join(", ")}`);
  await langfuse.finish({ graded, view, runDir: dirname(runlog) });
  return { gradedLogPath, reports };
}
