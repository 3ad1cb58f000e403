/** Held-out evaluation of the route classifier: stratified splits, accuracy, per-route metrics, calibration, latency. */
import { performance } from "node:perf_hooks";
import { ROUTES, type Route } from "../../../contract.js";
import { seededRandom, shuffled } from "../../../random.js";
import { calibrationReport } from "./calibration.js";
import type { RouteClassifier } from "./classifier.js";

/**
 * Splits each route's examples separately so the held-out set has the same route mix as the whole,
 * which a plain random split of a few hundred examples does not guarantee.
 */
export function stratifiedSplit<T extends { route: Route }>(items: readonly T[], holdoutFraction: number, seed: number): { train: T[]; heldOut: T[] } {
  const random = seededRandom(seed);
  const train: T[] = [];
  const heldOut: T[] = [];
  for (const route of ROUTES) {
    const ofRoute = shuffled(
      items.filter((item) => item.route === route),
      random,
    );
    const heldOutCount = Math.round(ofRoute.length * holdoutFraction);
    heldOut.push(...ofRoute.slice(0, heldOutCount));
    train.push(...ofRoute.slice(heldOutCount));
  }
  return { train, heldOut };
}

/**
 * Assigns every item to one of `foldCount` folds, route by route, so each fold has the route mix of the whole.
 * Used for out-of-fold predictions (calibration) where every example must be scored exactly once.
 */
export function stratifiedFolds<T extends { route: Route }>(items: readonly T[], foldCount: number, seed: number): T[][] {
  const random = seededRandom(seed);
  const folds: T[][] = Array.from({ length: foldCount }, () => []);
  let next = 0; // continue round-robin across routes so small routes do not all land in the first folds
  for (const route of ROUTES) {
    for (const item of shuffled(
      items.filter((candidate) => candidate.route === route),
      random,
    )) {
      folds[next % foldCount]!.push(item);
      next += 1;
    }
  }
  return folds;
}

export interface RouteMetrics {
  precision: number;
  recall: number;
  f1: number;
  support: number;
}

export interface Misclassification {
  text: string;
  expected: Route;
  predicted: Route;
  confidence: number;
}

export interface EvaluationReport {
  accuracy: number;
  total: number;
  perRoute: Record<Route, RouteMetrics>;
  /** confusion[expected][predicted] = count */
  confusion: Record<Route, Record<Route, number>>;
  misclassified: Misclassification[];
  /** Share of questions whose top probability is below the fan-out threshold, and accuracy within the top two. */
  lowConfidenceShare: number;
  topTwoAccuracy: number;
  /** Expected calibration error of the top-route confidence (10 equal-width bins). */
  expectedCalibrationError: number;
  /** Mean negative log-probability given to the expected route. */
  logLoss: number;
  /** Wrong answers the router was sure of (confidence ≥ 0.9): these never fan out to a second specialist. */
  confidentMistakes: number;
}

const CONFIDENT_MISTAKE_THRESHOLD = 0.9;

function emptyRow(): Record<Route, number> {
  return Object.fromEntries(ROUTES.map((route) => [route, 0])) as Record<Route, number>;
}

export function evaluateClassifier(
  classifier: RouteClassifier,
  examples: ReadonlyArray<{ text: string; route: Route }>,
  lowConfidenceThreshold = 0.6,
): EvaluationReport {
  const confusion = Object.fromEntries(ROUTES.map((route) => [route, emptyRow()])) as Record<Route, Record<Route, number>>;
  const misclassified: Misclassification[] = [];
  let correct = 0;
  let topTwo = 0;
  let lowConfidence = 0;
  let confidentMistakes = 0;
  let logLossTotal = 0;
  const predictions: Array<{ confidence: number; correct: boolean }> = [];
  for (const example of examples) {
    const scores = classifier.classify(example.text);
    predictions.push({ confidence: scores.confidence, correct: scores.route === example.route });
    logLossTotal -= Math.log(Math.max(scores.ranked.find((entry) => entry.route === example.route)?.probability ?? 0, 1e-12));
    if (scores.route !== example.route && scores.confidence >= CONFIDENT_MISTAKE_THRESHOLD) confidentMistakes += 1;
    confusion[example.route][scores.route] += 1;
    if (scores.route === example.route) correct += 1;
    else misclassified.push({ text: example.text, expected: example.route, predicted: scores.route, confidence: scores.confidence });
    if (scores.ranked.slice(0, 2).some((entry) => entry.route === example.route)) topTwo += 1;
    if (scores.confidence < lowConfidenceThreshold) lowConfidence += 1;
  }
  const perRoute = Object.fromEntries(
    ROUTES.map((route) => {
      const truePositives = confusion[route][route];
      const predicted = ROUTES.reduce((total, expected) => total + confusion[expected][route], 0);
      const support = ROUTES.reduce((total, predictedRoute) => total + confusion[route][predictedRoute], 0);
      const precision = predicted === 0 ? 0 : truePositives / predicted;
      const recall = support === 0 ? 0 : truePositives / support;
      const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
      return [route, { precision, recall, f1, support }];
    }),
  ) as Record<Route, RouteMetrics>;
  const total = examples.length;
  return {
    accuracy: total === 0 ? 0 : correct / total,
    total,
    perRoute,
    confusion,
    misclassified,
    lowConfidenceShare: total === 0 ? 0 : lowConfidence / total,
    topTwoAccuracy: total === 0 ? 0 : topTwo / total,
    expectedCalibrationError: calibrationReport(predictions).ece,
    logLoss: total === 0 ? 0 : logLossTotal / total,
    confidentMistakes,
  };
}

export interface LatencyReport {
  samples: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

function percentile(sorted: readonly number[], fraction: number): number {
  if (sorted.length === 0) return 0;
  const index = Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1);
  return sorted[Math.max(0, index)]!;
}

/** Times single `classify` calls (feature extraction included) over the texts, after a warm-up pass. */
export function measureLatency(classifier: RouteClassifier, texts: readonly string[], iterations: number): LatencyReport {
  for (const text of texts) classifier.classify(text); // warm up the JIT and regex caches
  const samples: number[] = [];
  for (let round = 0; round < iterations; round += 1) {
    for (const text of texts) {
      const start = performance.now();
      classifier.classify(text);
      samples.push(performance.now() - start);
    }
  }
  samples.sort((a, b) => a - b);
  return { samples: samples.length, p50Ms: percentile(samples, 0.5), p99Ms: percentile(samples, 0.99), maxMs: samples.at(-1) ?? 0 };
}
