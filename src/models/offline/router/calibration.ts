/**
 * Temperature scaling: one scalar T fitted after training so that softmax(logits / T) matches how often the
 * classifier is actually right. Regularized softmax regression on a few thousand short texts still tends to
 * be confident on phrasings it has not seen; the router fans out to two specialists below a confidence
 * threshold, so probabilities that mean what they say matter as much as the top route.
 *
 * T is fitted on out-of-fold predictions (each text scored by a model that did not train on it) by
 * minimizing the mean negative log-likelihood. The objective is convex in 1/T, so a golden-section search
 * over a bounded range finds it without gradients.
 */
export interface ScoredExample {
  logits: readonly number[];
  /** Index of the true class. */
  label: number;
}

/** Search range for 1/T: from very flat (T = 20) to very sharp (T = 0.05). */
const MIN_INVERSE_TEMPERATURE = 0.05;
const MAX_INVERSE_TEMPERATURE = 20;
const SEARCH_STEPS = 80;

/**
 * Mean −log softmax(logits / T)[label], computed as logsumexp − logit so it stays exact (and convex in 1/T)
 * even where a probability underflows; clamping probabilities instead would flatten the objective.
 */
export function meanNegativeLogLikelihood(examples: readonly ScoredExample[], temperature: number): number {
  if (examples.length === 0) return 0;
  let total = 0;
  for (const { logits, label } of examples) {
    const scaled = logits.map((logit) => logit / temperature);
    const max = Math.max(...scaled);
    const logSumExp = max + Math.log(scaled.reduce((sum, value) => sum + Math.exp(value - max), 0));
    total += logSumExp - scaled[label]!;
  }
  return total / examples.length;
}

/** The temperature that minimizes mean NLL on the examples; 1 when there is nothing to fit on. */
export function fitTemperature(examples: readonly ScoredExample[]): number {
  if (examples.length === 0) return 1;
  const loss = (inverse: number): number => meanNegativeLogLikelihood(examples, 1 / inverse);
  const ratio = (Math.sqrt(5) - 1) / 2;
  let low = MIN_INVERSE_TEMPERATURE;
  let high = MAX_INVERSE_TEMPERATURE;
  let left = high - ratio * (high - low);
  let right = low + ratio * (high - low);
  let leftLoss = loss(left);
  let rightLoss = loss(right);
  for (let step = 0; step < SEARCH_STEPS; step += 1) {
    if (leftLoss <= rightLoss) {
      high = right;
      right = left;
      rightLoss = leftLoss;
      left = high - ratio * (high - low);
      leftLoss = loss(left);
    } else {
      low = left;
      left = right;
      leftLoss = rightLoss;
      right = low + ratio * (high - low);
      rightLoss = loss(right);
    }
  }
  return 1 / ((low + high) / 2);
}

export interface CalibrationBin {
  /** Lower edge of the confidence bin, inclusive. */
  from: number;
  count: number;
  meanConfidence: number;
  accuracy: number;
}

export interface CalibrationReport {
  /** Expected calibration error: the count-weighted mean |accuracy − confidence| over equal-width bins. */
  ece: number;
  bins: CalibrationBin[];
}

/** Reliability of top-route confidences: how far "p = 0.9" is from being right 90% of the time. */
export function calibrationReport(predictions: ReadonlyArray<{ confidence: number; correct: boolean }>, binCount = 10): CalibrationReport {
  const sums = Array.from({ length: binCount }, () => ({ count: 0, confidence: 0, correct: 0 }));
  for (const { confidence, correct } of predictions) {
    const bin = sums[Math.min(binCount - 1, Math.floor(confidence * binCount))]!;
    bin.count += 1;
    bin.confidence += confidence;
    bin.correct += correct ? 1 : 0;
  }
  let weightedGap = 0;
  const bins: CalibrationBin[] = sums.map((bin, index) => {
    const meanConfidence = bin.count === 0 ? 0 : bin.confidence / bin.count;
    const accuracy = bin.count === 0 ? 0 : bin.correct / bin.count;
    weightedGap += bin.count * Math.abs(accuracy - meanConfidence);
    return { from: index / binCount, count: bin.count, meanConfidence, accuracy };
  });
  return { ece: predictions.length === 0 ? 0 : weightedGap / predictions.length, bins };
}
