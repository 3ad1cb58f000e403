import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ROUTES, type Route } from "../src/contract.js";
import { calibrationReport, fitTemperature, meanNegativeLogLikelihood, type ScoredExample } from "../src/models/offline/router/calibration.js";
import { classifierFromModelFile, type RouteClassifier } from "../src/models/offline/router/classifier.js";
import { evaluateClassifier, stratifiedFolds, stratifiedSplit } from "../src/models/offline/router/evaluation.js";
import { seededRandom } from "../src/random.js";
import { predictProbabilities, scaleLogits, softmax, type SoftmaxModel } from "../src/models/offline/router/softmax-regression.js";
import { trainRouteModel, DEFAULT_ROUTER_TRAINING, withoutTemperature } from "../src/models/offline/router/trainer.js";
import { type LabelledText, mergeExamples, readRoutingDataset, readRunLog } from "../src/models/offline/router/training-data.js";

const workDir = mkdtempSync(join(tmpdir(), "router-training-"));
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

function labelled(route: Route, count: number, source: LabelledText["source"] = "dataset"): LabelledText[] {
  return Array.from({ length: count }, (_, i) => ({ text: `${route} question ${i}`, route, source }));
}

describe("stratifiedSplit", () => {
  const items = [...labelled("code", 50), ...labelled("docs", 30), ...labelled("debug", 20), ...labelled("general", 10)];

  it("holds out the same share of every route", () => {
    const { train, heldOut } = stratifiedSplit(items, 0.2, 1);
    const count = (list: LabelledText[], route: Route) => list.filter((item) => item.route === route).length;
    expect(ROUTES.map((route) => count(heldOut, route))).toEqual([10, 6, 4, 2]);
    expect(train.length + heldOut.length).toBe(items.length);
    expect(new Set([...train, ...heldOut].map((item) => item.text)).size).toBe(items.length);
  });

  it("is reproducible for a seed and differs across seeds", () => {
    const texts = (seed: number) => stratifiedSplit(items, 0.2, seed).heldOut.map((item) => item.text);
    expect(texts(5)).toEqual(texts(5));
    expect(texts(5)).not.toEqual(texts(6));
  });
});

describe("stratifiedFolds", () => {
  const items = [...labelled("code", 23), ...labelled("docs", 17), ...labelled("debug", 12), ...labelled("general", 8)];

  it("puts every item in exactly one fold, with each route spread evenly", () => {
    const folds = stratifiedFolds(items, 5, 3);
    expect(folds).toHaveLength(5);
    const all = folds.flat().map((item) => item.text);
    expect(all.sort()).toEqual(items.map((item) => item.text).sort());
    for (const route of ROUTES) {
      const perFold = folds.map((fold) => fold.filter((item) => item.route === route).length);
      expect(Math.max(...perFold) - Math.min(...perFold)).toBeLessThanOrEqual(1);
    }
  });

  it("is reproducible for a seed", () => {
    const texts = (seed: number) => stratifiedFolds(items, 4, seed).map((fold) => fold.map((item) => item.text));
    expect(texts(9)).toEqual(texts(9));
    expect(texts(9)).not.toEqual(texts(10));
  });
});

describe("temperature scaling", () => {
  /** Samples labels from softmax(logits / T) so the best-fitting temperature is known to be T. */
  function sampledAtTemperature(temperature: number, count: number, seed: number): ScoredExample[] {
    const random = seededRandom(seed);
    return Array.from({ length: count }, () => {
      const logits = [0, 1, 2, 3].map(() => (random() - 0.5) * 12);
      const probabilities = softmax(logits.map((logit) => logit / temperature));
      let draw = random();
      let label = 0;
      while (label < probabilities.length - 1 && draw >= probabilities[label]!) {
        draw -= probabilities[label]!;
        label += 1;
      }
      return { logits, label };
    });
  }

  it.each([0.5, 1, 2.5])("recovers a temperature of %s from labels sampled at it", (temperature) => {
    const fitted = fitTemperature(sampledAtTemperature(temperature, 4_000, 11));
    expect(fitted).toBeGreaterThan(temperature * 0.85);
    expect(fitted).toBeLessThan(temperature * 1.15);
  });

  it("softens overconfident scores and minimizes the log loss", () => {
    // confident logits, but only half of the top picks are right
    const examples: ScoredExample[] = Array.from({ length: 200 }, (_, i) => ({ logits: [6, 0, 0, 0], label: i % 2 === 0 ? 0 : 1 }));
    const fitted = fitTemperature(examples);
    expect(fitted).toBeGreaterThan(1);
    const best = meanNegativeLogLikelihood(examples, fitted);
    expect(best).toBeLessThan(meanNegativeLogLikelihood(examples, 1));
    expect(best).toBeLessThanOrEqual(meanNegativeLogLikelihood(examples, fitted * 1.1));
    expect(best).toBeLessThanOrEqual(meanNegativeLogLikelihood(examples, fitted / 1.1));
  });

  it("leaves the temperature at 1 when there is nothing to fit", () => {
    expect(fitTemperature([])).toBe(1);
  });

  it("bakes the temperature into the weights: scaled logits give softmax(logits / T)", () => {
    const model: SoftmaxModel = { classCount: 3, bias: [0.5, -0.2, 0.1], weights: new Map([["w:retry", [2, -1, 0.5]], ["q:why", [-0.5, 1.5, 0]]]) };
    const features = new Map([["w:retry", 1], ["q:why", 2]]);
    const logits = [0.5 + 2 - 1, -0.2 - 1 + 3, 0.1 + 0.5];
    expect(predictProbabilities(scaleLogits(model, 1 / 2.5), features).map((p) => p.toFixed(12))).toEqual(
      softmax(logits.map((logit) => logit / 2.5)).map((p) => p.toFixed(12)),
    );
  });

  it("computes the expected calibration error over confidence bins", () => {
    const predictions = [
      // bin 0.9: confidence 0.95, right 2 of 4 -> gap 0.45
      ...[true, true, false, false].map((correct) => ({ confidence: 0.95, correct })),
      // bin 0.6: confidence 0.65, right 3 of 4 -> gap 0.10
      ...[true, true, true, false].map((correct) => ({ confidence: 0.65, correct })),
    ];
    const report = calibrationReport(predictions);
    expect(report.ece).toBeCloseTo((4 * 0.45 + 4 * 0.1) / 8, 10);
    expect(report.bins[9]).toMatchObject({ count: 4, accuracy: 0.5 });
    expect(report.bins[6]).toMatchObject({ count: 4, accuracy: 0.75 });
    expect(calibrationReport([{ confidence: 1, correct: true }]).ece).toBe(0);
  });
});

describe("mergeExamples", () => {
  it("keeps hand labels over distilled ones and collapses repeated run-log questions by majority", () => {
    const dataset: LabelledText[] = [{ text: "Where is X defined?", route: "code", source: "dataset" }];
    const runLog: LabelledText[] = [
      { text: "where is x   defined?", route: "general", source: "runlog" }, // same text as the dataset: dropped
      { text: "Why does Y crash?", route: "code", source: "runlog" },
      { text: "Why does Y crash?", route: "debug", source: "runlog" },
      { text: "why does y crash?", route: "debug", source: "runlog" },
    ];
    const merged = mergeExamples(dataset, runLog);
    expect(merged.duplicatesOfDataset).toBe(1);
    expect(merged.collapsedRepeats).toBe(2);
    expect(merged.examples).toEqual([
      { text: "Where is X defined?", route: "code", source: "dataset" },
      { text: "Why does Y crash?", route: "debug", source: "runlog" },
    ]);
  });
});

describe("input readers", () => {
  it("reads dataset lines and reports every bad one", () => {
    const path = join(workDir, "dataset.jsonl");
    writeFileSync(
      path,
      [
        JSON.stringify({ text: "How do I install it?", route: "docs", domain: "cli" }),
        "",
        JSON.stringify({ text: "   ", route: "docs" }),
        JSON.stringify({ text: "What is this?", route: "overview" }),
        "[1, 2",
      ].join("\n"),
    );
    const { examples, problems } = readRoutingDataset(path);
    expect(examples).toEqual([{ text: "How do I install it?", route: "docs", source: "dataset" }]);
    expect(problems.map((problem) => problem.line)).toEqual([3, 4, 5]);
    expect(problems[1]!.reason).toMatch(/^route: /);
    expect(problems[2]!.reason).toMatch(/^invalid JSON/);
  });

  it("treats a run-log line without routerSource as not model-routed", () => {
    const path = join(workDir, "runs.jsonl");
    writeFileSync(path, `${JSON.stringify({ question: "What is this?", route: "general" })}\n`);
    const result = readRunLog(path);
    expect(result.problems).toEqual([]);
    expect(result.used).toBe(0);
    expect(result.skippedNotModel).toBe(1);
  });
});

describe("training", () => {
  const examples: LabelledText[] = [
    { text: "Where is the parser defined?", route: "code", source: "dataset" },
    { text: "Which function validates tokens?", route: "code", source: "dataset" },
    { text: "How do I install the CLI?", route: "docs", source: "dataset" },
    { text: "How do I configure the port?", route: "docs", source: "dataset" },
    { text: "TypeError: x is undefined\n    at run (src/run.ts:3:9)", route: "debug", source: "dataset" },
    { text: "I get ECONNREFUSED on start, why?", route: "debug", source: "dataset" },
    { text: "What does this repo do?", route: "general", source: "dataset" },
    { text: "Give me an overview of the project", route: "general", source: "dataset" },
  ];
  const config = { ...DEFAULT_ROUTER_TRAINING, iterations: 200 };
  const fixedDate = new Date("2024-01-01T00:00:00Z");

  it("is deterministic", () => {
    const first = trainRouteModel({ examples, config, heldOutAccuracy: null, trainedAt: fixedDate });
    const second = trainRouteModel({ examples, config, heldOutAccuracy: null, trainedAt: fixedDate });
    expect(JSON.stringify(first)).toBe(JSON.stringify(second));
  });

  it("fits its training data and evaluates it", () => {
    const model = trainRouteModel({ examples, config, heldOutAccuracy: null, trainedAt: fixedDate });
    const report = evaluateClassifier(classifierFromModelFile(model), examples);
    expect(report.accuracy).toBe(1);
    expect(ROUTES.map((route) => report.confusion[route][route])).toEqual([2, 2, 2, 2]);
    expect(report.perRoute.debug).toMatchObject({ precision: 1, recall: 1, support: 2 });
  });

  it("reports calibration, log loss and confident mistakes", () => {
    // a fixed classifier: always "code", sure of it
    const alwaysCode: RouteClassifier = {
      classify: () => ({
        route: "code",
        confidence: 0.97,
        ranked: [
          { route: "code", probability: 0.97 },
          { route: "docs", probability: 0.01 },
          { route: "debug", probability: 0.01 },
          { route: "general", probability: 0.01 },
        ],
      }),
      explain: () => [],
    };
    const report = evaluateClassifier(alwaysCode, [
      { text: "a", route: "code" },
      { text: "b", route: "docs" },
    ]);
    expect(report.accuracy).toBe(0.5);
    expect(report.confidentMistakes).toBe(1);
    expect(report.expectedCalibrationError).toBeCloseTo(0.47, 10);
    expect(report.logLoss).toBeCloseTo((-Math.log(0.97) - Math.log(0.01)) / 2, 10);
  });

  it("counts mistakes in the confusion matrix", () => {
    const model = trainRouteModel({ examples, config, heldOutAccuracy: null, trainedAt: fixedDate });
    const mislabelled = [{ text: "Where is the parser defined?", route: "general" as const }];
    const report = evaluateClassifier(classifierFromModelFile(model), mislabelled);
    expect(report.accuracy).toBe(0);
    expect(report.confusion.general.code).toBe(1);
    expect(report.misclassified).toHaveLength(1);
    expect(report.misclassified[0]).toMatchObject({ expected: "general", predicted: "code" });
  });

  it("skips calibration when some route has too few examples to fit a temperature on", () => {
    const model = trainRouteModel({ examples, config, heldOutAccuracy: null, trainedAt: fixedDate });
    expect(model.training).toMatchObject({ temperature: 1, fittedTemperature: 1, calibrationFolds: 0 });
  });

  describe("with enough examples to calibrate", () => {
    // Twelve phrasings per route; the vocabulary overlaps across routes so out-of-fold predictions are imperfect.
    const subjects = ["parser", "cache", "scheduler", "router", "worker", "exporter", "uploader", "billing", "queue", "auth", "search", "mailer"];
    const many: LabelledText[] = subjects.flatMap((subject, i) => [
      { text: `Where is the ${subject} implemented, which function?`, route: "code" as const, source: "dataset" as const },
      { text: `How do I configure the ${subject} according to the docs?`, route: "docs" as const, source: "dataset" as const },
      {
        text: i % 3 === 0 ? `Why does the ${subject} fail with ECONNRESET?` : `Error: ${subject} crashed\n    at run (src/${subject}.ts:${i + 1}:3)`,
        route: "debug" as const,
        source: "dataset" as const,
      },
      { text: `What does this project use the ${subject} for, at a high level?`, route: "general" as const, source: "dataset" as const },
    ]);
    const calibrated = trainRouteModel({ examples: many, config, heldOutAccuracy: null, trainedAt: fixedDate });

    it("fits a temperature on out-of-fold predictions and only ever softens", () => {
      expect(calibrated.training.calibrationFolds).toBe(DEFAULT_ROUTER_TRAINING.calibrationFolds);
      expect(calibrated.training.fittedTemperature).not.toBe(1);
      expect(calibrated.training.temperature).toBe(Math.max(1, calibrated.training.fittedTemperature));
    });

    it("can undo the temperature to compare calibrated and uncalibrated confidences", () => {
      const temperature = 2;
      const softened = { ...calibrated, training: { ...calibrated.training, temperature } };
      const sharper = withoutTemperature(softened);
      expect(sharper.training.temperature).toBe(1);
      expect(sharper.bias).toEqual(calibrated.bias.map((value) => value * temperature));
      const text = "Where is the parser implemented?";
      const before = classifierFromModelFile(calibrated).classify(text);
      const after = classifierFromModelFile(sharper).classify(text);
      expect(after.route).toBe(before.route);
      expect(after.confidence).toBeGreaterThan(before.confidence);
    });

    it("does not use a calibration fold's own examples to score it", () => {
      // with calibration disabled the stored weights are the plain fit; calibration changes them only by a factor
      const plain = trainRouteModel({ examples: many, config: { ...config, calibrationFolds: 0 }, heldOutAccuracy: null, trainedAt: fixedDate });
      const factor = 1 / calibrated.training.temperature;
      const feature = Object.keys(plain.weights).find((name) => Math.abs(plain.weights[name]![0]!) > 0.1)!;
      expect(calibrated.weights[feature]![0]!).toBeCloseTo(plain.weights[feature]![0]! * factor, 3);
    });
  });
});
