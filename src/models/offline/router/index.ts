/**
 * Offline route classifier: picks which specialist answers a question when no language model is
 * reachable (and backs up the model router when it fails). Public API of this folder.
 */
import { fileURLToPath } from "node:url";
import { classifierFromModelFile, type RouteClassifier } from "./classifier.js";
import { readRouteModelFile } from "./model-file.js";

export type { RouteClassifier, RouteScores } from "./classifier.js";
export { extractFeatures, FEATURE_VERSION, type FeatureVector } from "./features.js";
export { RouteModelFileError } from "./model-file.js";

/** The committed model, next to this module (resolved from the module URL, so it works from any cwd). */
export const DEFAULT_ROUTE_MODEL_PATH = fileURLToPath(new URL("./model.json", import.meta.url));

/** Loads and validates a trained model file; throws RouteModelFileError when it is missing or corrupt. */
export function loadRouteClassifier(modelPath: string = DEFAULT_ROUTE_MODEL_PATH): RouteClassifier {
  return classifierFromModelFile(readRouteModelFile(modelPath));
}
