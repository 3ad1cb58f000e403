import { dirname, join, resolve } from "node:path";
import { writeFile } from "node:fs/promises";
import { z } from "zod";
import { calibrate, HumanLabelSchema, type CalibrationResult } from "../analysis/calibrate.js";
import { loadGradedRun } from "../analysis/load.js";
import { HarnessError } from "../errors.js";
import { readJsonlStrict } from "../jsonl.js";
import type { CommandIO } from "./io.js";

export const CalibrateOptionsSchema = z.object({
  runlog: z.string().min(1),
  labels: z.string().min(1),
  bench: z.string().min(1).optional(),
  out: z.string().min(1).optional(),
});
export type CalibrateCommandOptions = z.infer<typeof CalibrateOptionsSchema>;

const fmt = (value: number, digits = 3) => (Number.isFinite(value) ? value.toFixed(digits) : "n/a");

export async function calibrateCommand(options: CalibrateCommandOptions, io: CommandIO): Promise<CalibrationResult> {
  const run = await loadGradedRun(resolve(options.runlog), { ...(options.bench ? { benchPath: options.bench } : {}), notify: io.err });
  const labels = (await readJsonlStrict(options.labels, HumanLabelSchema, "labels file")).map((row) => row.value);
  const result = calibrate(run.records, labels);
  if (result.matched === 0) throw new HarnessError(`none of the ${labels.length} label(s) in ${options.labels} matches a record (questionId, pipeline, repeat) of ${options.runlog}`);
  io.out(`${result.source === "judge" ? "LLM judge" : "rule grade (no judge grades in the log)"} vs human labels on ${result.matched} record(s):`);
  io.out(`  agreement ${fmt(result.primary.agreement)}, chance agreement ${fmt(result.primary.expectedAgreement)}, Cohen's kappa ${fmt(result.primary.kappa)}`);
  if (result.judge) io.out(`  (rule grade for reference: agreement ${fmt(result.rule.agreement)}, kappa ${fmt(result.rule.kappa)})`);
  if (result.unmatched.length > 0) io.err(`warning: ${result.unmatched.length} label(s) match no record and were ignored`);
  const outPath = join(resolve(options.out ?? dirname(resolve(options.runlog))), "calibration.json");
  await writeFile(outPath, JSON.stringify(result, (_k, v: unknown) => (typeof v === "number" && !Number.isFinite(v) ? null : v), 2) + "\n");
  io.out(`written: ${outPath}`);
  return result;
}
