import { dirname, resolve } from "node:path";
import { z } from "zod";
import { diagnoseRun, type PipelineDiagnosis } from "../analysis/diagnose.js";
import { loadGradedRun } from "../analysis/load.js";
import { buildRunView } from "../analysis/run-view.js";
import { buildDiagnoseReport } from "../reporting/diagnose-report.js";
import { writeReports } from "../reporting/write-reports.js";
import type { CommandIO } from "./io.js";

export const DiagnoseOptionsSchema = z.object({
  runlog: z.string().min(1),
  bench: z.string().min(1).optional(),
  out: z.string().min(1).optional(),
});
export type DiagnoseCommandOptions = z.infer<typeof DiagnoseOptionsSchema>;

export async function diagnoseCommand(options: DiagnoseCommandOptions, io: CommandIO): Promise<{ diagnoses: PipelineDiagnosis[]; reports: string[] }> {
  const path = resolve(options.runlog);
  const run = await loadGradedRun(path, { ...(options.bench ? { benchPath: options.bench } : {}), notify: io.err });
  const view = buildRunView(run.records, {
    ...(run.benchmark ? { items: run.benchmark.items } : {}),
    ...(run.manifest ? { manifest: run.manifest } : {}),
  });
  const diagnoses = diagnoseRun(view);
  const reports = await writeReports(buildDiagnoseReport({ runLogPath: path, diagnoses, manifest: run.manifest }), resolve(options.out ?? dirname(path)));
  for (const d of diagnoses) {
    const shares = d.causes.map((c) => `${c.cause} ${c.count} (${(c.share * 100).toFixed(0)}%)`).join(", ");
    io.out(`${d.pipeline}: ${d.failures} not correct (${d.errors.count} errors, ${d.missing.count} missing); ${shares}`);
    io.out(`  try first: ${d.recommendation.rung} — ${d.recommendation.advice}`);
  }
  io.out(`reports: ${reports.join(", ")}`);
  return { diagnoses, reports };
}
