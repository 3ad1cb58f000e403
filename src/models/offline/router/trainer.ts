/** Turns labelled texts into a trained, pruned route-classifier model file (in memory). */
import { ROUTES, type Route } from "../../../contract.js";
import { extractFeatures, FEATURE_VERSION } from "./features.js";
import { MODEL_FORMAT, type RouteModelFile } from "./model-file.js";
import { DEFAULT_TRAINING_OPTIONS, pruneModel, trainSoftmaxRegression } from "./softmax-regression.js";

export interface RouterTrainingConfig {
  seed: number;
  l2: number;
  iterations: number;
  learningRate: number;
  minDocumentFrequency: number;
  /** Rows whose largest centred weight is below this are dropped from the stored model. */
  pruneBelow: number;
}

export const DEFAULT_ROUTER_TRAINING: RouterTrainingConfig = {
  seed: 7,
  ...DEFAULT_TRAINING_OPTIONS,
  pruneBelow: 0.002,
};

export interface TrainRouterInput {
  examples: ReadonlyArray<{ text: string; route: Route; source: "dataset" | "runlog" }>;
  config: RouterTrainingConfig;
  heldOutAccuracy: number | null;
  trainedAt?: Date;
}

export function trainRouteModel({ examples, config, heldOutAccuracy, trainedAt = new Date() }: TrainRouterInput): RouteModelFile {
  const trainingExamples = examples.map((example) => ({ features: extractFeatures(example.text), label: ROUTES.indexOf(example.route) }));
  const trained = trainSoftmaxRegression(trainingExamples, {
    classCount: ROUTES.length,
    l2: config.l2,
    iterations: config.iterations,
    learningRate: config.learningRate,
    minDocumentFrequency: config.minDocumentFrequency,
  });
  const pruned = pruneModel(trained, config.pruneBelow, 4);
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
    },
  };
}
