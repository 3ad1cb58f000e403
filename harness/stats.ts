/**
 * The statistics the harness reports. Hand-written on purpose: no small, maintained npm package
 * covers exactly this set (paired bootstrap with a seeded PRNG, exact McNemar mid-p, Wilson,
 * Cohen's kappa, the unbiased pass@k / pass^k estimators), and each function is a few lines
 * that are unit-tested against hand computations in tests/harness-stats.test.ts.
 */

import { seededRandom } from "../src/random.js";

export { seededRandom };

/** z for a two-sided 95% interval (the 0.975 normal quantile). */
export const Z_95 = 1.959963984540054;

/**
 * Percentile with linear interpolation between closest ranks (numpy's default, "type 7"):
 * rank = p/100 · (n − 1). Returns NaN for an empty list so callers must decide what "no data" means.
 */
export function percentile(values: readonly number[], p: number): number {
  if (p < 0 || p > 100) throw new RangeError(`percentile p must be in [0, 100], got ${p}`);
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (p / 100) * (sorted.length - 1);
  const lower = Math.floor(rank);
  const upper = Math.ceil(rank);
  const lowValue = sorted[lower] as number;
  const highValue = sorted[upper] as number;
  return lowValue + (highValue - lowValue) * (rank - lower);
}

export function mean(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  let sum = 0;
  for (const value of values) sum += value;
  return sum / values.length;
}


export interface ConfidenceInterval {
  estimate: number;
  low: number;
  high: number;
}

export interface BootstrapOptions {
  resamples?: number;
  seed?: number;
  /** 0.05 for a 95% interval. */
  alpha?: number;
}

/**
 * Paired percentile bootstrap over units (questions). `statistic` receives the resampled unit
 * indices (with repetition) and returns the paired quantity, typically metric(orchestrated) −
 * metric(baseline) over the same questions, so the pairing is preserved in every resample.
 * Resamples where the statistic is not finite (e.g. a ratio with an empty denominator) are dropped.
 */
export function pairedBootstrapCi(
  units: number,
  statistic: (indices: readonly number[]) => number,
  options: BootstrapOptions = {},
): ConfidenceInterval {
  return pairedBootstrapCis(units, (indices) => [statistic(indices)], options)[0] as ConfidenceInterval;
}

/**
 * The same bootstrap for several statistics at once, sharing each resample (cheaper, and the
 * intervals are computed on identical resamples). Non-finite draws are dropped per statistic.
 */
export function pairedBootstrapCis(
  units: number,
  statistic: (indices: readonly number[]) => readonly number[],
  options: BootstrapOptions = {},
): ConfidenceInterval[] {
  const resamples = options.resamples ?? 10_000;
  const alpha = options.alpha ?? 0.05;
  const random = seededRandom(options.seed ?? 20240601);
  const all = Array.from({ length: units }, (_, index) => index);
  const estimates = statistic(all);
  if (units === 0) return estimates.map(() => ({ estimate: Number.NaN, low: Number.NaN, high: Number.NaN }));
  const draws: number[][] = estimates.map(() => []);
  const indices = new Array<number>(units);
  for (let r = 0; r < resamples; r++) {
    for (let i = 0; i < units; i++) indices[i] = Math.floor(random() * units);
    statistic(indices).forEach((value, k) => {
      if (Number.isFinite(value)) (draws[k] as number[]).push(value);
    });
  }
  return estimates.map((estimate, k) => {
    const list = draws[k] as number[];
    if (list.length === 0) return { estimate, low: Number.NaN, high: Number.NaN };
    return { estimate, low: percentile(list, (alpha / 2) * 100), high: percentile(list, (1 - alpha / 2) * 100) };
  });
}

/** Binomial coefficient as a float; exact for the small n used here, stable via the product form. */
export function binomial(n: number, k: number): number {
  if (k < 0 || k > n) return 0;
  const kk = Math.min(k, n - k);
  let result = 1;
  for (let i = 1; i <= kk; i++) result = (result * (n - kk + i)) / i;
  return result;
}

function binomialPmfHalf(n: number, k: number): number {
  // P(X = k) for X ~ Binomial(n, 1/2), computed in log space so n in the thousands does not overflow.
  let logCoefficient = 0;
  for (let i = 1; i <= k; i++) logCoefficient += Math.log(n - k + i) - Math.log(i);
  return Math.exp(logCoefficient - n * Math.LN2);
}

export interface McNemarResult {
  /** Discordant pairs: b = baseline right & orchestrated wrong, c = baseline wrong & orchestrated right. */
  b: number;
  c: number;
  /** Exact two-sided binomial p-value. */
  exactP: number;
  /** Mid-p: the exact p minus the probability of the observed table (less conservative, still well-calibrated). */
  midP: number;
}

/**
 * McNemar's test, exact binomial form with mid-p (Fagerland, Lydersen & Laake 2013):
 * under H0 the b discordant pairs among n = b + c are Binomial(n, 1/2);
 * exact p = 2·P(X ≤ min(b,c)), mid-p = 2·[P(X < min) + ½·P(X = min)], both capped at 1.
 */
export function mcnemarMidP(b: number, c: number): McNemarResult {
  const n = b + c;
  if (n === 0) return { b, c, exactP: 1, midP: 1 };
  const k = Math.min(b, c);
  let below = 0;
  for (let i = 0; i < k; i++) below += binomialPmfHalf(n, i);
  const atK = binomialPmfHalf(n, k);
  return {
    b,
    c,
    exactP: Math.min(1, 2 * (below + atK)),
    midP: Math.min(1, 2 * (below + 0.5 * atK)),
  };
}

/**
 * Wilson score interval for a proportion. `successes` may be fractional (a mean pass rate times n),
 * which is how repeated runs of the same question are folded into one unit before the interval.
 */
export function wilsonInterval(successes: number, n: number, z: number = Z_95): ConfidenceInterval {
  if (n <= 0) return { estimate: Number.NaN, low: Number.NaN, high: Number.NaN };
  const p = successes / n;
  const z2 = z * z;
  const denominator = 1 + z2 / n;
  const center = (p + z2 / (2 * n)) / denominator;
  const half = (z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / denominator;
  return { estimate: p, low: Math.max(0, center - half), high: Math.min(1, center + half) };
}

export interface KappaResult {
  n: number;
  /** Observed agreement p_o. */
  agreement: number;
  /** Chance agreement p_e from the two raters' marginals. */
  expectedAgreement: number;
  /** (p_o − p_e) / (1 − p_e); NaN when p_e = 1 (both raters used a single identical category). */
  kappa: number;
  categories: string[];
  /** matrix[i][j] = count rated categories[i] by rater A and categories[j] by rater B. */
  matrix: number[][];
}

/** Cohen's kappa for two raters over the same items. */
export function cohensKappa(pairs: ReadonlyArray<readonly [string, string]>, categories?: readonly string[]): KappaResult {
  const cats = categories ? [...categories] : [...new Set(pairs.flatMap(([a, b]) => [a, b]))].sort();
  const index = new Map(cats.map((category, i) => [category, i]));
  const matrix = cats.map(() => cats.map(() => 0));
  for (const [a, b] of pairs) {
    const i = index.get(a);
    const j = index.get(b);
    if (i === undefined || j === undefined) throw new RangeError(`unknown category in pair (${a}, ${b})`);
    (matrix[i] as number[])[j] = ((matrix[i] as number[])[j] as number) + 1;
  }
  const n = pairs.length;
  if (n === 0) return { n, agreement: Number.NaN, expectedAgreement: Number.NaN, kappa: Number.NaN, categories: cats, matrix };
  let observed = 0;
  let expected = 0;
  for (let i = 0; i < cats.length; i++) {
    const row = matrix[i] as number[];
    observed += row[i] as number;
    const rowTotal = row.reduce((sum, value) => sum + value, 0);
    const columnTotal = matrix.reduce((sum, r) => sum + (r[i] as number), 0);
    expected += (rowTotal / n) * (columnTotal / n);
  }
  const agreement = observed / n;
  const kappa = expected === 1 ? Number.NaN : (agreement - expected) / (1 - expected);
  return { n, agreement, expectedAgreement: expected, kappa, categories: cats, matrix };
}

function checkPassArgs(n: number, c: number, k: number): void {
  if (!(Number.isInteger(n) && Number.isInteger(c) && Number.isInteger(k)) || n < 1 || c < 0 || c > n || k < 1 || k > n) {
    throw new RangeError(`need integers 0 ≤ c ≤ n, 1 ≤ k ≤ n; got n=${n} c=${c} k=${k}`);
  }
}

/**
 * Unbiased pass@k (Chen et al. 2021): probability that at least one of k samples drawn without
 * replacement from n attempts (c correct) passes: 1 − C(n−c, k)/C(n, k), in the stable product form
 * 1 − ∏_{i=n−c+1}^{n} (1 − k/i).
 */
export function passAtK(n: number, c: number, k: number): number {
  checkPassArgs(n, c, k);
  if (n - c < k) return 1;
  let allFail = 1;
  for (let i = n - c + 1; i <= n; i++) allFail *= 1 - k / i;
  return 1 - allFail;
}

/** Unbiased pass^k (τ-bench): probability that all k samples drawn from n attempts pass: C(c, k)/C(n, k). */
export function passHatK(n: number, c: number, k: number): number {
  checkPassArgs(n, c, k);
  if (c < k) return 0;
  let all = 1;
  for (let i = 0; i < k; i++) all *= (c - i) / (n - i);
  return all;
}
