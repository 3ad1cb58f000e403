/** Held-out evaluation of the route classifier: stratified split, accuracy, per-route metrics, latency. */
import { performance } from "node:perf_hooks";
import { ROUTES, type Route } from "../../../contract.js";
import { createRandom, shuffled } from "./random.js";
import type { RouteClassifier } from "./classifier.js";

/**
 * Splits each route's examples separately so the held-out set has the same route mix as the whole,
 * which a plain random split of a few hundred examples does not guarantee.
 */
export function stratifiedSplit<T extends { route: Route }>(items: readonly T[], holdoutFraction: number, seed: number): { train: T[]; heldOut: T[] } {
  const random = createRandom(seed);
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
}

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
  for (const example of examples) {
    const scores = classifier.classify(example.text);
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
