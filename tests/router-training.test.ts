import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ROUTES, type Route } from "../src/contract.js";
import { classifierFromModelFile } from "../src/models/offline/router/classifier.js";
import { evaluateClassifier, stratifiedSplit } from "../src/models/offline/router/evaluation.js";
import { trainRouteModel, DEFAULT_ROUTER_TRAINING } from "../src/models/offline/router/trainer.js";
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

  it("counts mistakes in the confusion matrix", () => {
    const model = trainRouteModel({ examples, config, heldOutAccuracy: null, trainedAt: fixedDate });
    const mislabelled = [{ text: "Where is the parser defined?", route: "general" as const }];
    const report = evaluateClassifier(classifierFromModelFile(model), mislabelled);
    expect(report.accuracy).toBe(0);
    expect(report.confusion.general.code).toBe(1);
    expect(report.misclassified).toHaveLength(1);
    expect(report.misclassified[0]).toMatchObject({ expected: "general", predicted: "code" });
  });
});
