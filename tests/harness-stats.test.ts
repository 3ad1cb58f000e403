import { describe, expect, it } from "vitest";
import {
  binomial,
  cohensKappa,
  mcnemarMidP,
  pairedBootstrapCi,
  passAtK,
  passHatK,
  percentile,
  seededRandom,
  wilsonInterval,
} from "../harness/stats.js";

describe("percentile (linear interpolation, numpy default)", () => {
  it("interpolates between closest ranks", () => {
    // [1,2,3,4]: p50 → rank 0.5·3 = 1.5 → 2 + 0.5·(3−2) = 2.5
    expect(percentile([4, 1, 3, 2], 50)).toBe(2.5);
    // p95 → rank 0.95·3 = 2.85 → 3 + 0.85·(4−3) = 3.85
    expect(percentile([1, 2, 3, 4], 95)).toBeCloseTo(3.85, 10);
    expect(percentile([7], 95)).toBe(7);
    expect(percentile([1, 2, 3, 4], 0)).toBe(1);
    expect(percentile([1, 2, 3, 4], 100)).toBe(4);
  });
  it("is NaN on no data and rejects p outside [0,100]", () => {
    expect(percentile([], 50)).toBeNaN();
    expect(() => percentile([1], 101)).toThrow(RangeError);
  });
});

describe("Wilson interval", () => {
  it("8/10 at 95% = [0.4902, 0.9433]", () => {
    // p = 0.8, z² = 3.8415, denom = 1 + 0.38415 = 1.38415
    // center = (0.8 + 3.8415/20) / 1.38415 = 0.99207/1.38415 = 0.71674
    // half = 1.96·sqrt(0.016 + 3.8415/400)/1.38415 = 1.96·0.16008/1.38415 = 0.22667
    const ci = wilsonInterval(8, 10);
    expect(ci.estimate).toBe(0.8);
    expect(ci.low).toBeCloseTo(0.4902, 4);
    expect(ci.high).toBeCloseTo(0.9433, 4);
  });
  it("0/10 stays inside [0, 1] and is not degenerate", () => {
    // center = (0 + 0.19207)/1.38415 = 0.13876, half = 1.96·sqrt(0.0096037)/1.38415 = 0.13876 → [0, 0.2775]
    const ci = wilsonInterval(0, 10);
    expect(ci.low).toBeCloseTo(0, 10);
    expect(ci.high).toBeCloseTo(0.2775, 4);
  });
  it("n = 0 has no interval", () => {
    expect(wilsonInterval(0, 0).low).toBeNaN();
  });
});

describe("McNemar exact mid-p", () => {
  it("b = 1, c = 6", () => {
    // n = 7, k = min = 1; P(X=0) = 1/128, P(X=1) = 7/128
    // exact p = 2·(1+7)/128 = 0.125; mid-p = 2·(1/128 + 0.5·7/128) = 9/128 = 0.0703125
    const result = mcnemarMidP(1, 6);
    expect(result.exactP).toBeCloseTo(0.125, 12);
    expect(result.midP).toBeCloseTo(0.0703125, 12);
  });
  it("is symmetric in b and c", () => {
    expect(mcnemarMidP(6, 1).midP).toBeCloseTo(mcnemarMidP(1, 6).midP, 12);
  });
  it("b = c gives exact p 1 and mid-p below 1", () => {
    // n = 4, k = 2: P(X<2) = (1+4)/16, P(X=2) = 6/16 → exact = 2·11/16 → capped 1; mid = 2·(5/16 + 3/16) = 1
    expect(mcnemarMidP(2, 2).exactP).toBe(1);
    expect(mcnemarMidP(2, 2).midP).toBeCloseTo(1, 12);
    // no discordant pairs: no evidence either way → p = 1
    expect(mcnemarMidP(0, 0).midP).toBe(1);
  });
  it("b = 0, c = 10", () => {
    // P(X=0) = 1/1024 → exact = 2/1024 = 0.001953125, mid = 1/1024 = 0.0009765625
    expect(mcnemarMidP(0, 10).exactP).toBeCloseTo(0.001953125, 12);
    expect(mcnemarMidP(0, 10).midP).toBeCloseTo(0.0009765625, 12);
  });
});

describe("Cohen's kappa", () => {
  it("small 2×2 table", () => {
    // A\B     yes  no
    // yes      4    1
    // no       1    4     n = 10, p_o = 8/10 = 0.8
    // p_e = (5/10)(5/10) + (5/10)(5/10) = 0.5 → κ = (0.8 − 0.5)/(1 − 0.5) = 0.6
    const pairs: Array<[string, string]> = [
      ...Array.from({ length: 4 }, () => ["yes", "yes"] as [string, string]),
      ["yes", "no"],
      ["no", "yes"],
      ...Array.from({ length: 4 }, () => ["no", "no"] as [string, string]),
    ];
    const result = cohensKappa(pairs, ["yes", "no"]);
    expect(result.agreement).toBeCloseTo(0.8, 12);
    expect(result.expectedAgreement).toBeCloseTo(0.5, 12);
    expect(result.kappa).toBeCloseTo(0.6, 12);
    expect(result.matrix).toEqual([
      [4, 1],
      [1, 4],
    ]);
  });
  it("unbalanced marginals", () => {
    // A\B   yes no       n = 50, p_o = (20+15)/50 = 0.7
    // yes    20  5       A: yes 25, no 25; B: yes 30, no 20
    // no     10 15       p_e = 0.5·0.6 + 0.5·0.4 = 0.5 → κ = 0.2/0.5 = 0.4
    const pairs: Array<[string, string]> = [
      ...Array.from({ length: 20 }, () => ["yes", "yes"] as [string, string]),
      ...Array.from({ length: 5 }, () => ["yes", "no"] as [string, string]),
      ...Array.from({ length: 10 }, () => ["no", "yes"] as [string, string]),
      ...Array.from({ length: 15 }, () => ["no", "no"] as [string, string]),
    ];
    expect(cohensKappa(pairs).kappa).toBeCloseTo(0.4, 12);
  });
  it("is NaN when chance agreement is 1", () => {
    expect(cohensKappa([["a", "a"], ["a", "a"]]).kappa).toBeNaN();
  });
});

describe("pass@k and pass^k (unbiased)", () => {
  it("n = 5, c = 2", () => {
    // pass@1 = 1 − C(3,1)/C(5,1) = 1 − 3/5 = 0.4; pass@2 = 1 − C(3,2)/C(5,2) = 1 − 3/10 = 0.7
    expect(passAtK(5, 2, 1)).toBeCloseTo(0.4, 12);
    expect(passAtK(5, 2, 2)).toBeCloseTo(0.7, 12);
    // pass@4 = 1 − C(3,4)/C(5,4) = 1 − 0 = 1 (only 3 failures, any 4 draws include a pass)
    expect(passAtK(5, 2, 4)).toBe(1);
    // pass^1 = 2/5; pass^2 = C(2,2)/C(5,2) = 1/10; pass^3 = 0
    expect(passHatK(5, 2, 1)).toBeCloseTo(0.4, 12);
    expect(passHatK(5, 2, 2)).toBeCloseTo(0.1, 12);
    expect(passHatK(5, 2, 3)).toBe(0);
  });
  it("extremes", () => {
    expect(passAtK(3, 0, 3)).toBe(0);
    expect(passHatK(3, 3, 3)).toBe(1);
    expect(() => passAtK(3, 4, 1)).toThrow(RangeError);
  });
  it("binomial", () => {
    expect(binomial(5, 2)).toBe(10);
    expect(binomial(10, 0)).toBe(1);
    expect(binomial(3, 4)).toBe(0);
  });
});

describe("seeded PRNG and paired bootstrap", () => {
  it("is reproducible for a seed and differs across seeds", () => {
    const a = seededRandom(7);
    const b = seededRandom(7);
    const c = seededRandom(8);
    const first = [a(), a(), a()];
    expect([b(), b(), b()]).toEqual(first);
    expect(c()).not.toBe(first[0]);
    expect(first.every((x) => x >= 0 && x < 1)).toBe(true);
  });
  it("a constant paired difference has a zero-width interval", () => {
    const ci = pairedBootstrapCi(20, () => 0.25, { resamples: 500 });
    expect(ci).toEqual({ estimate: 0.25, low: 0.25, high: 0.25 });
  });
  it("an interval around a clear difference excludes 0; around no difference it includes 0", () => {
    // 30 questions: orchestrated right on all, baseline right on 10 → difference 2/3
    const base = Array.from({ length: 30 }, (_, i) => (i < 10 ? 1 : 0));
    const orch = Array.from({ length: 30 }, () => 1);
    const diff = (idx: readonly number[]) => idx.reduce((s, i) => s + (orch[i] as number) - (base[i] as number), 0) / idx.length;
    const clear = pairedBootstrapCi(30, diff, { resamples: 2000, seed: 1 });
    expect(clear.estimate).toBeCloseTo(2 / 3, 12);
    expect(clear.low).toBeGreaterThan(0.4);
    expect(clear.high).toBeLessThanOrEqual(1);
    // half the questions flip one way, half the other: no difference
    const flip = Array.from({ length: 30 }, (_, i) => (i % 2 === 0 ? 1 : -1));
    const tie = pairedBootstrapCi(30, (idx) => idx.reduce((s, i) => s + (flip[i] as number), 0) / idx.length, { resamples: 2000, seed: 1 });
    expect(tie.low).toBeLessThan(0);
    expect(tie.high).toBeGreaterThan(0);
    // same seed → same interval
    expect(pairedBootstrapCi(30, diff, { resamples: 2000, seed: 1 })).toEqual(clear);
  });
});
