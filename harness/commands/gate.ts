import { resolve } from "node:path";
import { z } from "zod";
import { evaluateGate, type GateResult } from "../analysis/gate.js";
import { loadGradedRun } from "../analysis/load.js";
import { buildRunView } from "../analysis/run-view.js";
import type { CommandIO } from "./io.js";

const rate = z.coerce.number().min(0).max(1);
export const GateOptionsSchema = z.object({
  run: z.string().min(1),
  bench: z.string().min(1).optional(),
  minAccuracy: rate,
  maxP95Ms: z.coerce.number().positive(),
  maxCost: z.coerce.number().min(0),
  minRouteAccuracy: rate.optional(),
  minEvidenceHit: rate.optional(),
});
export type GateCommandOptions = z.infer<typeof GateOptionsSchema>;

/** Exit code 0 when every threshold holds, 1 listing each one missed. */
export async function gateCommand(options: GateCommandOptions, io: CommandIO): Promise<{ exitCode: number; result: GateResult }> {
  const run = await loadGradedRun(resolve(options.run), { ...(options.bench ? { benchPath: options.bench } : {}), notify: io.err });
  const view = buildRunView(run.records, {
    ...(run.benchmark ? { items: run.benchmark.items } : {}),
    ...(run.manifest ? { manifest: run.manifest } : {}),
  });
  const result = evaluateGate(view, {
    minAccuracy: options.minAccuracy,
    maxP95Ms: options.maxP95Ms,
    maxCost: options.maxCost,
    ...(options.minRouteAccuracy !== undefined ? { minRouteAccuracy: options.minRouteAccuracy } : {}),
    ...(options.minEvidenceHit !== undefined ? { minEvidenceHit: options.minEvidenceHit } : {}),
  });
  for (const note of result.notes) io.err(`note: ${note}`);
  if (result.passed) {
    const perPipeline = result.summaries.map((s) =>
      `${s.pipeline} ${result.checks.filter((c) => c.pipeline === s.pipeline).map((c) => c.message.replace(`${s.pipeline}: `, "").replace(/ ≥ min .*| ≤ max .*/, "")).join(", ")}`,
    );
    io.out(`gate passed: ${perPipeline.join(" | ")}`);
    return { exitCode: 0, result };
  }
  const missed = result.checks.filter((c) => !c.passed);
  io.err(`gate failed: ${missed.length} threshold(s) missed`);
  for (const check of missed) io.err(`  - ${check.message}`);
  return { exitCode: 1, result };
}
