/**
 * Trains the offline route classifier and writes the committed model file.
 *
 *   npx tsx src/models/offline/train-router.ts [--dataset PATH] [--from-runlog PATH]... [--out PATH]
 *                                              [--holdout 0.2] [--seed N]
 *
 * Validates every input line (reporting `file:line: reason` and exiting 1 on any problem), evaluates on
 * a stratified held-out split, then retrains on all the data and writes the model.
 */
import { fileURLToPath } from "node:url";
import { Command, InvalidArgumentError } from "commander";
import { ROUTES, type Route } from "../../contract.js";
import { DEFAULT_ROUTE_MODEL_PATH } from "./router/index.js";
import { classifierFromModelFile } from "./router/classifier.js";
import { type EvaluationReport, evaluateClassifier, type LatencyReport, measureLatency, stratifiedSplit } from "./router/evaluation.js";
import { writeRouteModelFile } from "./router/model-file.js";
import { DEFAULT_ROUTER_TRAINING, trainRouteModel, type RouterTrainingConfig } from "./router/trainer.js";
import { formatProblem, type LabelledText, type LineProblem, mergeExamples, readRoutingDataset, readRunLog } from "./router/training-data.js";

const DEFAULT_DATASET_PATH = fileURLToPath(new URL("../../../harness/datasets/routing.jsonl", import.meta.url));
const MAX_MISCLASSIFIED_SHOWN = 10;
/** Enough timed calls that p99 is not just the single slowest question. */
const MIN_LATENCY_SAMPLES = 20_000;

interface CliOptions {
  dataset: string;
  fromRunlog: string[];
  out: string;
  holdout: number;
  seed: number;
  l2: number;
  iterations: number;
}

function parseFraction(value: string): number {
  const number = Number(value);
  if (!Number.isFinite(number) || number < 0 || number >= 1) throw new InvalidArgumentError("must be a number in [0, 1)");
  return number;
}

function parseInteger(value: string): number {
  const number = Number(value);
  if (!Number.isInteger(number)) throw new InvalidArgumentError("must be an integer");
  return number;
}

function parseNonNegativeNumber(value: string): number {
  const number = Number(value);
  if (!Number.isFinite(number) || number < 0) throw new InvalidArgumentError("must be a non-negative number");
  return number;
}

function parsePositiveInteger(value: string): number {
  const number = parseInteger(value);
  if (number < 1) throw new InvalidArgumentError("must be at least 1");
  return number;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function percent(value: number): string {
  return `${(value * 100).toFixed(1)}%`;
}

function routeCounts(examples: readonly LabelledText[]): string {
  return ROUTES.map((route) => `${route}=${examples.filter((example) => example.route === route).length}`).join(" ");
}

function formatEvaluation(report: EvaluationReport): string {
  const lines: string[] = [];
  lines.push(`held-out accuracy: ${percent(report.accuracy)} (${report.total - report.misclassified.length}/${report.total})`);
  lines.push(`top-2 accuracy: ${percent(report.topTwoAccuracy)}; confidence < 0.6 (fan-out) on ${percent(report.lowConfidenceShare)} of questions`);
  lines.push("");
  lines.push("route      precision  recall   f1      support");
  for (const route of ROUTES) {
    const metrics = report.perRoute[route];
    lines.push(
      `${route.padEnd(10)} ${percent(metrics.precision).padStart(9)}  ${percent(metrics.recall).padStart(6)}  ${percent(metrics.f1).padStart(6)}  ${String(metrics.support).padStart(7)}`,
    );
  }
  lines.push("");
  lines.push(`confusion (rows = expected, columns = predicted)`);
  lines.push(`${"".padEnd(10)}${ROUTES.map((route) => route.padStart(9)).join("")}`);
  for (const expected of ROUTES) {
    lines.push(`${expected.padEnd(10)}${ROUTES.map((predicted) => String(report.confusion[expected][predicted]).padStart(9)).join("")}`);
  }
  if (report.misclassified.length > 0) {
    lines.push("");
    lines.push(`misclassified held-out examples (${Math.min(MAX_MISCLASSIFIED_SHOWN, report.misclassified.length)} of ${report.misclassified.length}):`);
    for (const miss of report.misclassified.slice(0, MAX_MISCLASSIFIED_SHOWN)) {
      const preview = miss.text.replace(/\s+/g, " ").slice(0, 140);
      lines.push(`  expected ${miss.expected}, got ${miss.predicted} (${miss.confidence.toFixed(2)}): ${preview}`);
    }
  }
  return lines.join("\n");
}

function formatLatency(latency: LatencyReport): string {
  return `routing latency over ${latency.samples} classify() calls: p50 ${latency.p50Ms.toFixed(3)} ms, p99 ${latency.p99Ms.toFixed(3)} ms, max ${latency.maxMs.toFixed(3)} ms`;
}

function readInputs(options: CliOptions): { examples: LabelledText[]; problems: LineProblem[]; summary: string[] } {
  const summary: string[] = [];
  const dataset = readRoutingDataset(options.dataset);
  const problems = [...dataset.problems];
  summary.push(`dataset ${options.dataset}: ${dataset.examples.length} examples (${routeCounts(dataset.examples)})`);
  const distilled: LabelledText[] = [];
  for (const file of options.fromRunlog) {
    const runLog = readRunLog(file);
    problems.push(...runLog.problems);
    distilled.push(...runLog.examples);
    summary.push(
      `run log ${file}: used ${runLog.used} of ${runLog.lines} lines (routerSource "model"); skipped ${runLog.skippedNotModel} classifier/fallback/unrouted lines and ${runLog.skippedNoRoute} model lines without a route`,
    );
  }
  const merged = mergeExamples(dataset.examples, distilled);
  if (options.fromRunlog.length > 0) {
    summary.push(
      `distilled examples: ${merged.examples.length - dataset.examples.length} added after dropping ${merged.duplicatesOfDataset} already in the dataset and collapsing ${merged.collapsedRepeats} repeats`,
    );
  }
  return { examples: merged.examples, problems, summary };
}

function main(argv: readonly string[]): number {
  const program = new Command()
    .name("train-router")
    .description("Train the offline route classifier (softmax regression over code-aware features).")
    .option("--dataset <path>", "labelled routing questions (JSONL: text, route)", DEFAULT_DATASET_PATH)
    .option("--from-runlog <path>", "harness run log (JSONL); its model-router decisions become extra examples (repeatable)", collect, [])
    .option("--out <path>", "where to write the trained model", DEFAULT_ROUTE_MODEL_PATH)
    .option("--holdout <fraction>", "share of each route held out for evaluation (0 skips evaluation)", parseFraction, 0.2)
    .option("--seed <n>", "seed for the held-out split (training itself is deterministic full-batch)", parseInteger, DEFAULT_ROUTER_TRAINING.seed)
    .option("--l2 <lambda>", "L2 regularization strength", parseNonNegativeNumber, DEFAULT_ROUTER_TRAINING.l2)
    .option("--iterations <n>", "full-batch AdaGrad iterations", parsePositiveInteger, DEFAULT_ROUTER_TRAINING.iterations)
    .exitOverride();
  try {
    program.parse(argv, { from: "user" });
  } catch (error) {
    // commander has already printed the usage problem
    return (error as { exitCode?: number }).exitCode ?? 2;
  }
  const options = program.opts<CliOptions>();
  const config: RouterTrainingConfig = { ...DEFAULT_ROUTER_TRAINING, seed: options.seed, l2: options.l2, iterations: options.iterations };

  const { examples, problems, summary } = readInputs(options);
  for (const line of summary) console.log(line);
  if (problems.length > 0) {
    for (const problem of problems) console.error(formatProblem(problem));
    console.error(`${problems.length} invalid input line(s); nothing was trained`);
    return 1;
  }
  const missingRoutes = ROUTES.filter((route) => !examples.some((example) => example.route === route));
  if (missingRoutes.length > 0) {
    console.error(`no examples for route(s) ${missingRoutes.join(", ")}; every route needs examples`);
    return 1;
  }

  let heldOutAccuracy: number | null = null;
  if (options.holdout > 0) {
    const { train, heldOut } = stratifiedSplit(examples, options.holdout, options.seed);
    console.log(`\nsplit (seed ${options.seed}): ${train.length} train (${routeCounts(train)}), ${heldOut.length} held out (${routeCounts(heldOut)})`);
    if (heldOut.length === 0) {
      console.error("the held-out split is empty (too few examples for this --holdout); use more data or --holdout 0");
      return 1;
    }
    const classifier = classifierFromModelFile(trainRouteModel({ examples: train, config, heldOutAccuracy: null }));
    const evaluation = evaluateClassifier(classifier, heldOut);
    heldOutAccuracy = evaluation.accuracy;
    console.log(formatEvaluation(evaluation));
    const texts = heldOut.map((example) => example.text);
    const iterations = Math.max(1, Math.ceil(MIN_LATENCY_SAMPLES / texts.length));
    console.log(`\n${formatLatency(measureLatency(classifier, texts, iterations))}`);
  }

  const model = trainRouteModel({ examples, config, heldOutAccuracy });
  writeRouteModelFile(options.out, model);
  const perRoute: Record<Route, number> = model.training.perRoute;
  console.log(
    `\nretrained on all ${examples.length} examples (${ROUTES.map((route) => `${route}=${perRoute[route]}`).join(" ")}); ` +
      `${Object.keys(model.weights).length} features kept; wrote ${options.out}`,
  );
  return 0;
}

process.exitCode = main(process.argv.slice(2));
