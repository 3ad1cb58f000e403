/** Wraps a validated model file as a RouteClassifier: features -> softmax -> ranked routes. */
import type { Route } from "../../../contract.js";
import { extractFeatures } from "./features.js";
import { type RouteModelFile, softmaxModelFromFile } from "./model-file.js";
import { predictProbabilities } from "./softmax-regression.js";

export interface RouteScores {
  /** The most probable route. */
  route: Route;
  /** Probability of `route`; the graph fans out to the two best routes when this is low. */
  confidence: number;
  /** Every route, most probable first; probabilities sum to 1. */
  ranked: Array<{ route: Route; probability: number }>;
}

export interface RouteClassifier {
  classify(text: string): RouteScores;
  /** The features that pushed a text towards a route the most (weight × value), strongest first. */
  explain(text: string, route: Route, limit?: number): Array<{ feature: string; contribution: number }>;
}

export function classifierFromModelFile(file: RouteModelFile): RouteClassifier {
  const model = softmaxModelFromFile(file);
  const routes = file.routes;
  return {
    classify(text: string): RouteScores {
      const probabilities = predictProbabilities(model, extractFeatures(text));
      const ranked = routes
        .map((route, index) => ({ route, probability: probabilities[index]! }))
        // ties broken by the model's route order so equal scores rank the same way every time
        .sort((a, b) => b.probability - a.probability || routes.indexOf(a.route) - routes.indexOf(b.route));
      const best = ranked[0]!;
      return { route: best.route, confidence: best.probability, ranked };
    },
    explain(text: string, route: Route, limit = 3) {
      const column = routes.indexOf(route);
      return [...extractFeatures(text)]
        .map(([feature, value]) => ({ feature, contribution: (model.weights.get(feature)?.[column] ?? 0) * value }))
        .filter((f) => f.contribution > 0)
        .sort((a, b) => b.contribution - a.contribution)
        .slice(0, limit);
    },
  };
}
