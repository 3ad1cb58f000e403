#!/usr/bin/env -S npx tsx
/**
 * The eval harness CLI: `npx tsx harness/cli.ts <command>` (the lead wires `npm run harness -- <command>`).
 * Every option is validated with zod; every failure reaches the user as one clear message and a
 * non-zero exit code (2 = bad input or configuration, 1 = gate failed, 130 = interrupted), never a stack trace.
 */
import { realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Command, CommanderError, Option } from "commander";
import { z } from "zod";
import { calibrateCommand, CalibrateOptionsSchema } from "./commands/calibrate.js";
import { compareCommand, CompareOptionsSchema } from "./commands/compare.js";
import { diagnoseCommand, DiagnoseOptionsSchema } from "./commands/diagnose.js";
import { gateCommand, GateOptionsSchema } from "./commands/gate.js";
import { gradeCommand, GradeOptionsSchema } from "./commands/grade.js";
import { processIO } from "./commands/io.js";
import { runCommand, RunOptionsSchema } from "./commands/run.js";
import { HarnessError } from "./errors.js";

function validate<S extends z.ZodType>(schema: S, raw: unknown): z.infer<S> {
  const parsed = schema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => {
    const flag = issue.path.length > 0 ? `--${String(issue.path[0]).replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}` : "options";
    return `${flag}: ${issue.message}`;
  });
  throw new HarnessError(`invalid options:\n  ${problems.join("\n  ")}`);
}

/** Exit codes are set on process.exitCode (not process.exit) so pending writes flush first. */
export function buildProgram(): Command {
  const program = new Command()
    .name("harness")
    .description("Eval harness: does splitting into specialists beat the single-agent baseline?")
    .showHelpAfterError()
    .exitOverride();

  program
    .command("run")
    .description("run every benchmark question through the pipeline(s), appending one record per question × pipeline × repeat")
    .requiredOption("--bench <file>", "benchmark JSONL")
    .option("--repo <path>", "repository to answer questions about (required unless --url)")
    .addOption(new Option("--pipeline <name>", "which pipeline(s)").choices(["orchestrated", "baseline", "both"]).makeOptionMandatory())
    .option("--repeats <n>", "runs per question and pipeline", "1")
    .option("--concurrency <n>", "questions in flight", "2")
    .option("--limit <n>", "only the first N questions")
    .option("--out <dir>", "run directory (default runs/<timestamp>)")
    .option("--url <url>", "ask a running server (POST <url>/ask) instead of in-process pipelines")
    .option("--resume", "continue an interrupted run in --out (re-runs missing and errored records)")
    .option("--retry-errors", "re-run only the records that errored, replacing them")
    .option("--no-cache", "bypass the model-call cache")
    .option("--timeout-ms <ms>", "per-question timeout", "300000")
    .option("--no-progress", "no progress bar")
    .option("--langfuse-dataset <name>", "with Langfuse keys: record the run in this dataset (default harness-<bench file name>)")
    .option("--no-langfuse-dataset", "do not record the run as Langfuse dataset runs")
    .action(async (raw: Record<string, unknown>) => {
      const options = validate(RunOptionsSchema, raw);
      const controller = new AbortController();
      const onSigint = () => {
        if (controller.signal.aborted) process.exit(130);
        process.stderr.write("\ninterrupting: no new questions start; finished records are kept (Ctrl-C again to quit now)\n");
        controller.abort();
      };
      process.on("SIGINT", onSigint);
      try {
        const summary = await runCommand(options, processIO, { signal: controller.signal });
        if (summary.interrupted) process.exitCode = 130;
      } finally {
        process.off("SIGINT", onSigint);
      }
    });

  program
    .command("grade")
    .description("grade a run log: answer, retrieval, tools, route, grounding (+ optional LLM judge) and one trace label per record")
    .argument("<runlog>", "run log (runs.jsonl)")
    .option("--bench <file>", "benchmark (default: the one named in the manifest next to the run log)")
    .option("--out <dir>", "where graded.jsonl and the reports go (default: next to the run log)")
    .option("--judge", "also grade answers with the LLM judge (needs OPENAI_API_KEY)")
    .option("--judge-model <model>", "judge model (default gpt-4o-mini or $HARNESS_JUDGE_MODEL)")
    .addOption(new Option("--label-from <source>", "which answer verdict drives the trace label").choices(["rule", "judge"]).default("rule"))
    .action(async (runlog: string, raw: Record<string, unknown>) => {
      await gradeCommand(validate(GradeOptionsSchema, { ...raw, runlog }), processIO);
    });

  program
    .command("calibrate")
    .description("agreement and Cohen's kappa of the judge (or the rule grade) with hand labels")
    .argument("<runlog>", "graded run log")
    .requiredOption("--labels <file>", "JSONL of {questionId, pipeline, repeat, label: correct|partial|wrong}")
    .option("--bench <file>", "benchmark, if the log is not graded yet")
    .option("--out <dir>", "where calibration.json goes")
    .action(async (runlog: string, raw: Record<string, unknown>) => {
      await calibrateCommand(validate(CalibrateOptionsSchema, { ...raw, runlog }), processIO);
    });

  program
    .command("compare")
    .description("orchestrated vs baseline with paired bootstrap CIs, McNemar, Wilson, routing confusion and a verdict")
    .argument("[baseline]", "baseline run log (graded, or raw + bench)")
    .argument("[orchestrated]", "orchestrated run log (graded, or raw + bench)")
    .option("--runs <dir>", "one run directory holding both pipelines")
    .option("--bench <file>", "benchmark, if the logs are not graded yet")
    .option("--out <dir>", "where the reports go (default: next to the orchestrated log)")
    .option("--resamples <n>", "bootstrap resamples", "10000")
    .option("--seed <n>", "bootstrap seed", "20240601")
    .action(async (baseline: string | undefined, orchestrated: string | undefined, raw: Record<string, unknown>) => {
      await compareCommand(validate(CompareOptionsSchema, { ...raw, baseline, orchestrated }), processIO);
    });

  program
    .command("diagnose")
    .description("attribute each failure to retrieval, prompt, context or model, and name the rung to fix first")
    .argument("<runlog>", "run log (graded, or raw + bench)")
    .option("--bench <file>", "benchmark, if the log is not graded yet")
    .option("--out <dir>", "where the reports go (default: next to the run log)")
    .action(async (runlog: string, raw: Record<string, unknown>) => {
      await diagnoseCommand(validate(DiagnoseOptionsSchema, { ...raw, runlog }), processIO);
    });

  program
    .command("gate")
    .description("exit 1 listing every missed threshold, 0 with a one-line summary when all pass")
    .requiredOption("--run <runlog>", "run log (graded, or raw: it is graded first)")
    .requiredOption("--min-accuracy <x>", "minimum accuracy, 0..1")
    .requiredOption("--max-p95-ms <ms>", "maximum latency p95 in ms")
    .requiredOption("--max-cost <usd>", "maximum mean cost per question in USD")
    .option("--min-route-accuracy <x>", "minimum route accuracy (orchestrated), 0..1")
    .option("--min-evidence-hit <x>", "minimum evidence hit rate, 0..1")
    .option("--bench <file>", "benchmark, if the log is not graded and has no manifest")
    .action(async (raw: Record<string, unknown>) => {
      const { exitCode } = await gateCommand(validate(GateOptionsSchema, raw), processIO);
      process.exitCode = exitCode;
    });

  return program;
}

export async function main(argv: readonly string[]): Promise<void> {
  try {
    await buildProgram().parseAsync([...argv], { from: "user" });
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander already printed its message (or the help); map usage errors to 2.
      process.exitCode = error.exitCode === 0 ? 0 : 2;
      return;
    }
    if (error instanceof HarnessError) {
      process.stderr.write(`error: ${error.message}\n`);
      process.exitCode = error.exitCode;
      return;
    }
    process.stderr.write(`unexpected error: ${error instanceof Error ? error.message : String(error)}\n`);
    if (process.env.HARNESS_DEBUG) process.stderr.write(`${(error as Error).stack ?? ""}\n`);
    else process.stderr.write("(set HARNESS_DEBUG=1 for the stack trace; this is a harness bug, please report it)\n");
    process.exitCode = 1;
  }
}

/** Run only when executed directly (not when imported), robust to symlinked checkouts. */
function isEntryPoint(): boolean {
  const script = process.argv[1];
  if (!script) return false;
  try {
    return realpathSync(fileURLToPath(import.meta.url)) === realpathSync(script);
  } catch {
    return false;
  }
}

if (isEntryPoint()) {
  await main(process.argv.slice(2));
}
