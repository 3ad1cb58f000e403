/**
 * Multinomial logistic regression (softmax) with L2 regularization, trained by full-batch AdaGrad.
 *
 * Full-batch keeps training deterministic without depending on example order, and the data is small
 * (about a thousand questions), so each pass is cheap. The objective is convex, so a few hundred
 * AdaGrad steps reach a solution whose probabilities are usable as a confidence score.
 */
import { type FeatureVector, isEngineeredFeature } from "./features.js";

export interface TrainingExample {
  features: FeatureVector;
  /** Index into the class list. */
  label: number;
}

export interface SoftmaxTrainingOptions {
  classCount: number;
  /** L2 strength on weights (not biases), per example-averaged objective. */
  l2: number;
  iterations: number;
  learningRate: number;
  /** Lexical features seen in fewer training texts than this are dropped before training. */
  minDocumentFrequency: number;
}

export const DEFAULT_TRAINING_OPTIONS: Omit<SoftmaxTrainingOptions, "classCount"> = {
  l2: 1e-3,
  iterations: 400,
  learningRate: 0.5,
  minDocumentFrequency: 2,
};

/** A trained model in memory: one weight row per feature, one column per class. */
export interface SoftmaxModel {
  classCount: number;
  bias: number[];
  weights: Map<string, number[]>;
}

/** Unnormalized class scores (bias + weights · features); softmax turns them into probabilities. */
export function predictLogits(model: SoftmaxModel, features: FeatureVector): number[] {
  const logits = model.bias.slice();
  for (const [name, value] of features) {
    const row = model.weights.get(name);
    if (row === undefined) continue;
    for (let k = 0; k < model.classCount; k += 1) logits[k]! += row[k]! * value;
  }
  return logits;
}

/** Probabilities for each class, summing to 1. */
export function predictProbabilities(model: SoftmaxModel, features: FeatureVector): number[] {
  return softmax(predictLogits(model, features));
}

/**
 * The same model with every logit multiplied by `factor`. Softmax(logits / T) is temperature scaling, so
 * scaling by 1/T bakes a fitted temperature into the weights: the model file and the classifier stay as they are.
 */
export function scaleLogits(model: SoftmaxModel, factor: number): SoftmaxModel {
  const weights = new Map<string, number[]>();
  for (const [name, row] of model.weights) weights.set(name, row.map((weight) => weight * factor));
  return { classCount: model.classCount, bias: model.bias.map((value) => value * factor), weights };
}

export function softmax(logits: readonly number[]): number[] {
  const max = Math.max(...logits);
  const exps = logits.map((logit) => Math.exp(logit - max));
  const sum = exps.reduce((total, value) => total + value, 0);
  return exps.map((value) => value / sum);
}

function buildVocabulary(examples: readonly TrainingExample[], minDocumentFrequency: number): string[] {
  const documentFrequency = new Map<string, number>();
  for (const example of examples) {
    for (const name of example.features.keys()) documentFrequency.set(name, (documentFrequency.get(name) ?? 0) + 1);
  }
  const vocabulary: string[] = [];
  for (const [name, frequency] of documentFrequency) {
    if (isEngineeredFeature(name) || frequency >= minDocumentFrequency) vocabulary.push(name);
  }
  return vocabulary.sort(); // sorted so the weight layout (and the model file) is stable across runs
}

interface IndexedExample {
  indices: Int32Array;
  values: Float64Array;
  label: number;
}

function indexExamples(examples: readonly TrainingExample[], vocabulary: readonly string[]): IndexedExample[] {
  const position = new Map(vocabulary.map((name, index) => [name, index]));
  return examples.map((example) => {
    const indices: number[] = [];
    const values: number[] = [];
    for (const [name, value] of example.features) {
      const index = position.get(name);
      if (index === undefined) continue;
      indices.push(index);
      values.push(value);
    }
    return { indices: Int32Array.from(indices), values: Float64Array.from(values), label: example.label };
  });
}

export function trainSoftmaxRegression(examples: readonly TrainingExample[], options: SoftmaxTrainingOptions): SoftmaxModel {
  const { classCount, l2, iterations, learningRate } = options;
  if (examples.length === 0) throw new Error("cannot train the route classifier on zero examples");
  const vocabulary = buildVocabulary(examples, options.minDocumentFrequency);
  const indexed = indexExamples(examples, vocabulary);
  const featureCount = vocabulary.length;
  const weights = new Float64Array(featureCount * classCount);
  const bias = new Float64Array(classCount);
  const weightGradient = new Float64Array(featureCount * classCount);
  const biasGradient = new Float64Array(classCount);
  const weightHistory = new Float64Array(featureCount * classCount);
  const biasHistory = new Float64Array(classCount);
  const logits = new Float64Array(classCount);
  const inverseCount = 1 / indexed.length;
  const epsilon = 1e-8;

  for (let iteration = 0; iteration < iterations; iteration += 1) {
    weightGradient.fill(0);
    biasGradient.fill(0);
    for (const example of indexed) {
      for (let k = 0; k < classCount; k += 1) logits[k] = bias[k]!;
      for (let j = 0; j < example.indices.length; j += 1) {
        const offset = example.indices[j]! * classCount;
        const value = example.values[j]!;
        for (let k = 0; k < classCount; k += 1) logits[k]! += weights[offset + k]! * value;
      }
      let max = -Infinity;
      for (let k = 0; k < classCount; k += 1) max = Math.max(max, logits[k]!);
      let sum = 0;
      for (let k = 0; k < classCount; k += 1) {
        logits[k] = Math.exp(logits[k]! - max);
        sum += logits[k]!;
      }
      for (let k = 0; k < classCount; k += 1) {
        // d(cross-entropy)/d(logit_k) = p_k - y_k
        const error = (logits[k]! / sum - (k === example.label ? 1 : 0)) * inverseCount;
        biasGradient[k]! += error;
        for (let j = 0; j < example.indices.length; j += 1) {
          weightGradient[example.indices[j]! * classCount + k]! += error * example.values[j]!;
        }
      }
    }
    for (let i = 0; i < weights.length; i += 1) {
      const gradient = weightGradient[i]! + l2 * weights[i]!;
      weightHistory[i]! += gradient * gradient;
      weights[i]! -= (learningRate * gradient) / (Math.sqrt(weightHistory[i]!) + epsilon);
    }
    for (let k = 0; k < classCount; k += 1) {
      const gradient = biasGradient[k]!;
      biasHistory[k]! += gradient * gradient;
      bias[k]! -= (learningRate * gradient) / (Math.sqrt(biasHistory[k]!) + epsilon);
    }
  }

  const weightMap = new Map<string, number[]>();
  vocabulary.forEach((name, index) => {
    weightMap.set(name, Array.from(weights.subarray(index * classCount, (index + 1) * classCount)));
  });
  return { classCount, bias: Array.from(bias), weights: weightMap };
}

/**
 * Shrinks a model for storage: centres each feature's row (softmax ignores a shared shift), drops rows
 * whose largest weight is negligible, and rounds to a fixed number of decimals.
 */
export function pruneModel(model: SoftmaxModel, minAbsWeight: number, decimals: number): SoftmaxModel {
  const factor = 10 ** decimals;
  const round = (value: number): number => Math.round(value * factor) / factor;
  const weights = new Map<string, number[]>();
  for (const [name, row] of model.weights) {
    const mean = row.reduce((total, value) => total + value, 0) / row.length;
    const centred = row.map((value) => value - mean);
    if (Math.max(...centred.map(Math.abs)) < minAbsWeight) continue;
    weights.set(name, centred.map(round));
  }
  const biasMean = model.bias.reduce((total, value) => total + value, 0) / model.bias.length;
  return { classCount: model.classCount, bias: model.bias.map((value) => round(value - biasMean)), weights };
}
