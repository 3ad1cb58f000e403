/** Turns labelled texts into a trained, calibrated, pruned route-classifier model file (in memory). */
import { ROUTES, type Route } from "../../../contract.js";
import { fitTemperature, type ScoredExample } from "./calibration.js";
import { stratifiedFolds } from "./evaluation.js";
import { extractFeatures, FEATURE_VERSION, type FeatureVector } from "./features.js";
import { MODEL_FORMAT, type RouteModelFile } from "./model-file.js";
import {
  DEFAULT_TRAINING_OPTIONS,
  predictLogits,
  pruneModel,
  scaleLogits,
  type SoftmaxTrainingOptions,
  trainSoftmaxRegression,
} from "./softmax-regression.js";

export interface RouterTrainingConfig {
  seed: number;
  l2: number;
  iterations: number;
  learningRate: number;
  minDocumentFrequency: number;
  /** Rows whose largest centred weight is below this are dropped from the stored model. */
  pruneBelow: number;
  /** Folds of the out-of-fold predictions the temperature is fitted on; below 2 skips calibration (T = 1). */
  calibrationFolds: number;
}

export const DEFAULT_ROUTER_TRAINING: RouterTrainingConfig = {
  seed: 7,
  ...DEFAULT_TRAINING_OPTIONS,
  pruneBelow: 0.002,
  calibrationFolds: 5,
};

/** With fewer examples of some route than this, a fitted temperature would mostly fit noise. */
export const MIN_EXAMPLES_PER_ROUTE_TO_CALIBRATE = 10;

/**
 * Calibration only ever softens. Out-of-fold questions are written in the same styles as the training ones,
 * so the temperature fitted on them is optimistic: training on the original 1,436 questions and scoring the
 * 611 boundary questions added later (phrasings the original lacked), the best temperature was 1.17-1.26
 * times the out-of-fold one at every L2 tried (3e-4 to 3e-3); at the default L2 it was 1.0 against 0.82.
 * Sharpening (T < 1) would trust exactly the estimate known to be too confident for real users' questions.
 */
export const MIN_TEMPERATURE = 1;

export interface TrainRouterInput {
  examples: ReadonlyArray<{ text: string; route: Route; source: "dataset" | "runlog" }>;
  config: RouterTrainingConfig;
  heldOutAccuracy: number | null;
  trainedAt?: Date;
}

interface FeaturizedExample {
  route: Route;
  features: FeatureVector;
  label: number;
}

function softmaxOptions(config: RouterTrainingConfig): SoftmaxTrainingOptions {
  return {
    classCount: ROUTES.length,
    l2: config.l2,
    iterations: config.iterations,
    learningRate: config.learningRate,
    minDocumentFrequency: config.minDocumentFrequency,
  };
}

/**
 * Fits the temperature on out-of-fold logits: every example is scored by a model trained without it, so the
 * temperature reflects confidence on unseen questions rather than on memorized ones.
 */
function fitOutOfFoldTemperature(examples: readonly FeaturizedExample[], config: RouterTrainingConfig): { fitted: number; folds: number } {
  const smallestRoute = Math.min(...ROUTES.map((route) => examples.filter((example) => example.route === route).length));
  if (config.calibrationFolds < 2 || smallestRoute < MIN_EXAMPLES_PER_ROUTE_TO_CALIBRATE) return { fitted: 1, folds: 0 };
  const options = softmaxOptions(config);
  const scored: ScoredExample[] = [];
  for (const heldOut of stratifiedFolds(examples, config.calibrationFolds, config.seed)) {
    const isHeldOut = new Set(heldOut);
    const model = trainSoftmaxRegression(
      examples.filter((example) => !isHeldOut.has(example)),
      options,
    );
    for (const example of heldOut) scored.push({ logits: predictLogits(model, example.features), label: example.label });
  }
  return { fitted: fitTemperature(scored), folds: config.calibrationFolds };
}

export function trainRouteModel({ examples, config, heldOutAccuracy, trainedAt = new Date() }: TrainRouterInput): RouteModelFile {
  const featurized: FeaturizedExample[] = examples.map((example) => ({
    route: example.route,
    features: extractFeatures(example.text),
    label: ROUTES.indexOf(example.route),
  }));
  const { fitted, folds } = fitOutOfFoldTemperature(featurized, config);
  const temperature = Math.max(MIN_TEMPERATURE, fitted);
  const trained = trainSoftmaxRegression(featurized, softmaxOptions(config));
  // Scaled before pruning, so the pruning threshold applies to the weights that are actually stored.
  const pruned = pruneModel(scaleLogits(trained, 1 / temperature), config.pruneBelow, 4);
  const perRoute = Object.fromEntries(ROUTES.map((route) => [route, examples.filter((example) => example.route === route).length])) as Record<Route, number>;
  return {
    format: MODEL_FORMAT,
    featureVersion: FEATURE_VERSION,
    algorithm: "softmax-regression",
    routes: [...ROUTES],
    bias: pruned.bias,
    weights: Object.fromEntries(pruned.weights),
    training: {
      trainedAt: trainedAt.toISOString(),
      seed: config.seed,
      examples: examples.length,
      perRoute,
      fromRunLogs: examples.filter((example) => example.source === "runlog").length,
      l2: config.l2,
      iterations: config.iterations,
      heldOutAccuracy,
      temperature,
      fittedTemperature: fitted,
      calibrationFolds: folds,
    },
  };
}

/**
 * The same model without its temperature (T = 1): what the classifier would say uncalibrated. Used to report
 * calibration before and after; the stored weights were pruned after scaling, so this is a close approximation.
 */
export function withoutTemperature(file: RouteModelFile): RouteModelFile {
  const factor = file.training.temperature;
  const weights = Object.fromEntries(Object.entries(file.weights).map(([name, row]) => [name, row.map((weight) => weight * factor)]));
  return { ...file, bias: file.bias.map((value) => value * factor), weights, training: { ...file.training, temperature: 1 } };
}
