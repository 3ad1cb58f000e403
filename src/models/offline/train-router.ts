/**
 * Trains the offline route classifier and writes the committed model file.
 *
 *   npx tsx src/models/offline/train-router.ts [--dataset PATH] [--from-runlog PATH]... [--out PATH]
 *                                              [--holdout 0.2] [--seed N] [--extra-seeds 1,2,3]
 *                                              [--l2 λ] [--iterations N] [--calibration-folds 5] [--by-author]
 *
 * Validates every input line (reporting `file:line: reason` and exiting 1 on any problem), evaluates on
 * a stratified held-out split (and optionally on the splits of more seeds, to see the spread), reporting
 * accuracy, per-route metrics, calibration before and after temperature scaling, and latency; with
 * --by-author, also trains without each author's questions and tests on them (a random split keeps every
 * author's style on both sides, so it flatters the router on a new writer's phrasing); then retrains on
 * all the data and writes the model.
 */
import { fileURLToPath } from "node:url";
import { Command, InvalidArgumentError } from "commander";
import { ROUTES, type Route } from "../../contract.js";
import { DEFAULT_ROUTE_MODEL_PATH } from "./router/index.js";
import { classifierFromModelFile } from "./router/classifier.js";
import { type EvaluationReport, evaluateClassifier, type LatencyReport, measureLatency, stratifiedSplit } from "./router/evaluation.js";
import { type RouteModelFile, writeRouteModelFile } from "./router/model-file.js";
import {
  DEFAULT_ROUTER_TRAINING,
  MIN_EXAMPLES_PER_ROUTE_TO_CALIBRATE,
  trainRouteModel,
  type RouterTrainingConfig,
  withoutTemperature,
} from "./router/trainer.js";
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
  extraSeeds: number[];
  l2: number;
  iterations: number;
  calibrationFolds: number;
  byAuthor: boolean;
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

function parseSeedList(value: string): number[] {
  return value.split(",").map((part) => parseInteger(part.trim()));
}

function parseNonNegativeInteger(value: string): number {
  const number = parseInteger(value);
  if (number < 0) throw new InvalidArgumentError("must be 0 or more");
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
  lines.push(
    `calibration: ECE ${report.expectedCalibrationError.toFixed(3)}, log loss ${report.logLoss.toFixed(3)}, ${report.confidentMistakes} wrong answers with confidence >= 0.9`,
  );
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

interface SplitEvaluation {
  seed: number;
  model: RouteModelFile;
  heldOut: LabelledText[];
  calibrated: EvaluationReport;
  uncalibrated: EvaluationReport;
}

/** Trains on a split's training part (calibration included) and evaluates on its held-out part. */
function evaluateSplit(split: { train: LabelledText[]; heldOut: LabelledText[] }, config: RouterTrainingConfig, seed: number): SplitEvaluation {
  const { train, heldOut } = split;
  const model = trainRouteModel({ examples: train, config: { ...config, seed }, heldOutAccuracy: null });
  return {
    seed,
    model,
    heldOut,
    calibrated: evaluateClassifier(classifierFromModelFile(model), heldOut),
    uncalibrated: evaluateClassifier(classifierFromModelFile(withoutTemperature(model)), heldOut),
  };
}

function formatCalibrationChange(split: SplitEvaluation): string {
  const { calibrated, uncalibrated, model } = split;
  if (model.training.calibrationFolds === 0) {
    return `not calibrated (--calibration-folds below 2, or fewer than ${MIN_EXAMPLES_PER_ROUTE_TO_CALIBRATE} training examples of some route)`;
  }
  return (
    `temperature ${model.training.temperature.toFixed(3)} (fitted ${model.training.fittedTemperature.toFixed(3)} on ${model.training.calibrationFolds}-fold out-of-fold predictions of the training split, never below 1): ` +
    `ECE ${uncalibrated.expectedCalibrationError.toFixed(3)} -> ${calibrated.expectedCalibrationError.toFixed(3)}, ` +
    `log loss ${uncalibrated.logLoss.toFixed(3)} -> ${calibrated.logLoss.toFixed(3)}, ` +
    `confident mistakes ${uncalibrated.confidentMistakes} -> ${calibrated.confidentMistakes}`
  );
}

function meanAndSpread(values: readonly number[]): string {
  const mean = values.reduce((total, value) => total + value, 0) / values.length;
  const deviation = Math.sqrt(values.reduce((total, value) => total + (value - mean) ** 2, 0) / values.length);
  return `${(mean * 100).toFixed(1)}% ± ${(deviation * 100).toFixed(1)}`;
}

function formatSeedSummary(splits: readonly SplitEvaluation[]): string {
  const lines = [`held-out results over ${splits.length} split seeds:`];
  for (const split of splits) {
    lines.push(
      `  seed ${String(split.seed).padStart(4)}: accuracy ${percent(split.calibrated.accuracy)}, ECE ${split.uncalibrated.expectedCalibrationError.toFixed(3)} -> ` +
        `${split.calibrated.expectedCalibrationError.toFixed(3)} (T ${split.model.training.temperature.toFixed(2)}, fitted ${split.model.training.fittedTemperature.toFixed(2)})`,
    );
  }
  lines.push(`  accuracy ${meanAndSpread(splits.map((split) => split.calibrated.accuracy))} (mean ± sd)`);
  lines.push(
    `  ECE uncalibrated ${meanAndSpread(splits.map((split) => split.uncalibrated.expectedCalibrationError))}, ` +
      `calibrated ${meanAndSpread(splits.map((split) => split.calibrated.expectedCalibrationError))} (in percentage points)`,
  );
  return lines.join("\n");
}

/** Leave-one-author-out: each author's questions are held out in turn from a model trained on everyone else's. */
function formatByAuthor(examples: readonly LabelledText[], config: RouterTrainingConfig): string {
  const authors = [...new Set(examples.flatMap((example) => (example.author === undefined ? [] : [example.author])))].sort();
  if (authors.length < 2) return "held out by author: needs questions from at least two authors (the dataset's `author` field)";
  const lines = [`held out by author (trained on the other ${authors.length - 1}, tested on the one):`];
  const accuracies: number[] = [];
  for (const author of authors) {
    const heldOut = examples.filter((example) => example.author === author);
    const model = trainRouteModel({ examples: examples.filter((example) => example.author !== author), config, heldOutAccuracy: null });
    const report = evaluateClassifier(classifierFromModelFile(model), heldOut);
    accuracies.push(report.accuracy);
    lines.push(`  ${author.padEnd(12)} ${percent(report.accuracy)} (${report.total - report.misclassified.length}/${report.total}), top-2 ${percent(report.topTwoAccuracy)}`);
  }
  lines.push(`  accuracy ${meanAndSpread(accuracies)} (mean ± sd over authors)`);
  return lines.join("\n");
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
    .option("--seed <n>", "seed for the held-out split and the calibration folds (training itself is deterministic full-batch)", parseInteger, DEFAULT_ROUTER_TRAINING.seed)
    .option("--extra-seeds <list>", "more split seeds to evaluate on, comma-separated, to see the spread of held-out accuracy", parseSeedList, [])
    .option("--l2 <lambda>", "L2 regularization strength", parseNonNegativeNumber, DEFAULT_ROUTER_TRAINING.l2)
    .option("--iterations <n>", "full-batch AdaGrad iterations", parsePositiveInteger, DEFAULT_ROUTER_TRAINING.iterations)
    .option("--calibration-folds <n>", "folds for fitting the temperature on out-of-fold predictions (0 disables calibration)", parseNonNegativeInteger, DEFAULT_ROUTER_TRAINING.calibrationFolds)
    .option("--by-author", "also evaluate leave-one-author-out, using the dataset's `author` field", false)
    .exitOverride();
  try {
    program.parse(argv, { from: "user" });
  } catch (error) {
    // commander has already printed the usage problem
    return (error as { exitCode?: number }).exitCode ?? 2;
  }
  const options = program.opts<CliOptions>();
  const config: RouterTrainingConfig = {
    ...DEFAULT_ROUTER_TRAINING,
    seed: options.seed,
    l2: options.l2,
    iterations: options.iterations,
    calibrationFolds: options.calibrationFolds,
  };

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
    const primary = evaluateSplit({ train, heldOut }, config, options.seed);
    heldOutAccuracy = primary.calibrated.accuracy;
    console.log(formatEvaluation(primary.calibrated));
    console.log(formatCalibrationChange(primary));
    const texts = primary.heldOut.map((example) => example.text);
    const iterations = Math.max(1, Math.ceil(MIN_LATENCY_SAMPLES / texts.length));
    console.log(`\n${formatLatency(measureLatency(classifierFromModelFile(primary.model), texts, iterations))}`);
    const extraSeeds = options.extraSeeds.filter((seed) => seed !== options.seed);
    if (extraSeeds.length > 0) {
      const splits = [primary, ...extraSeeds.map((seed) => evaluateSplit(stratifiedSplit(examples, options.holdout, seed), config, seed))];
      console.log(`\n${formatSeedSummary(splits)}`);
    }
  }

  if (options.byAuthor) console.log(`\n${formatByAuthor(examples, config)}`);

  const model = trainRouteModel({ examples, config, heldOutAccuracy });
  writeRouteModelFile(options.out, model);
  const perRoute: Record<Route, number> = model.training.perRoute;
  console.log(
    `\nretrained on all ${examples.length} examples (${ROUTES.map((route) => `${route}=${perRoute[route]}`).join(" ")}); ` +
      `${Object.keys(model.weights).length} features kept; temperature ${model.training.temperature.toFixed(3)} (fitted ${model.training.fittedTemperature.toFixed(3)}); wrote ${options.out}`,
  );
  return 0;
}

process.exitCode = main(process.argv.slice(2));
