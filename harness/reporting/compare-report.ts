import { describeDifference, type CompareResult, type DimensionResult } from "../analysis/compare.js";
import type { RunView } from "../analysis/run-view.js";
import type { RunManifest } from "../run-log-schema.js";
import { confusionHeatmap } from "./chart-specs.js";
import type { Block, ReportDocument, Section, Tone } from "./document.js";
import { ms, num, pct, pctCi, pValue, usd } from "./format.js";
import { runFacts } from "./run-facts.js";
import { labelTable, perRouteTable, standardCharts, summaryTable } from "./shared-blocks.js";

export interface CompareReportInput {
  result: CompareResult;
  view: RunView;
  baselinePath: string;
  orchestratedPath: string;
  baselineManifest: RunManifest | undefined;
  orchestratedManifest: RunManifest | undefined;
}

function formatMetric(d: DimensionResult, value: number): string {
  if (d.unit === "rate") return pct(value);
  if (d.unit === "usd") return usd(value);
  if (d.unit === "ms") return ms(value);
  return num(value);
}

const OUTCOME_TEXT = { better: "orchestrated better", worse: "orchestrated worse", no_difference: "within noise", undefined: "no data" } as const;
const OUTCOME_TONE: Record<DimensionResult["outcome"], Tone> = { better: "good", worse: "bad", no_difference: "neutral", undefined: "neutral" };

export function buildCompareReport(input: CompareReportInput): ReportDocument {
  const { result } = input;
  const summaries = [result.baseline, result.orchestrated];
  const tone: Tone = result.verdict.justified ? "good" : result.verdict.kind === "tie" ? "warn" : "bad";

  const differenceTable: Block = {
    kind: "table",
    caption: `orchestrated − baseline, paired bootstrap 95% CI over ${result.questions} questions (${result.bootstrap.resamples.toLocaleString("en-US")} resamples, seed ${result.bootstrap.seed}). Rates are in percentage points.`,
    columns: ["Dimension", "Baseline", "Orchestrated", "Difference [95% CI]", "Outcome"],
    rows: result.dimensions.map((d) => [d.title, formatMetric(d, d.baseline), formatMetric(d, d.orchestrated), describeDifference(d), OUTCOME_TEXT[d.outcome]]),
    tones: result.dimensions.map((d) => [null, null, null, OUTCOME_TONE[d.outcome], OUTCOME_TONE[d.outcome]]),
  };
  const m = result.mcnemar;
  const mcnemarBlocks: Block[] = [
    {
      kind: "table",
      caption: "Per-question correctness (a question is correct when it passed in more than half of its repeats).",
      columns: ["Both right", "Baseline only", "Orchestrated only", "Both wrong", "Exact p", "Mid-p"],
      rows: [[m.bothRight, m.b, m.c, m.bothWrong, pValue(m.exactP), pValue(m.midP)]],
    },
    {
      kind: "paragraph",
      text: `McNemar's exact test with mid-p on the ${m.b + m.c} discordant question(s): ${m.midP < 0.05 ? "the accuracy difference is unlikely to be chance (mid-p < 0.05)" : "the accuracy difference is compatible with chance (mid-p ≥ 0.05)"}.`,
    },
  ];
  const confusionCells = result.confusion.expected.flatMap((expected, i) =>
    result.confusion.chosen.map((chosen, j) => ({ expected, chosen, count: result.confusion.matrix[i]?.[j] ?? 0 })),
  );
  const routingBlocks: Block[] = [
    {
      kind: "facts",
      items: [["Route accuracy (orchestrated)", result.orchestrated.routeAccuracyCi ? pctCi(result.orchestrated.routeAccuracyCi) : "n/a"]],
    },
    {
      kind: "table",
      caption: "Rows: expected route. Columns: route the router chose (records; 'none' = no route, e.g. an error).",
      columns: ["expected \\ chosen", ...result.confusion.chosen],
      rows: result.confusion.expected.map((route, i) => [route, ...(result.confusion.matrix[i] ?? [])]),
    },
    { kind: "chart", title: "Routing confusion matrix", spec: confusionHeatmap(confusionCells) },
  ];
  const flipBlocks: Block[] = [
    {
      kind: "table",
      columns: ["Direction", "Count", "Questions"],
      rows: [
        ["Baseline right, orchestrated wrong", result.flips.baselineRightOrchestratedWrong.length, result.flips.baselineRightOrchestratedWrong.join(", ") || "—"],
        ["Baseline wrong, orchestrated right", result.flips.baselineWrongOrchestratedRight.length, result.flips.baselineWrongOrchestratedRight.join(", ") || "—"],
      ],
    },
  ];

  const sections: Section[] = [
    { title: "Paired differences", blocks: [differenceTable] },
    { title: "Accuracy: McNemar test", blocks: mcnemarBlocks },
    { title: "Charts", blocks: standardCharts(input.view, summaries) },
    { title: "Summary by pipeline", blocks: summaryTable(summaries) },
    { title: "Accuracy by route", blocks: [perRouteTable(summaries)] },
    { title: "Routing (orchestrated)", blocks: routingBlocks },
    { title: "Questions that flipped", blocks: flipBlocks },
    { title: "Trace labels", blocks: [labelTable(summaries)] },
  ];
  if (result.repeatStats) {
    const ks = result.repeatStats[0]?.ks ?? [];
    sections.push({
      title: `Repeats (${result.repeats} per question)`,
      blocks: [
        {
          kind: "table",
          caption: "Unbiased estimators over the n repeats of each question, averaged over questions: pass@k = 1 − C(n−c,k)/C(n,k), pass^k = C(c,k)/C(n,k).",
          columns: ["Pipeline", ...ks.map((k) => `pass@${k}`), ...ks.map((k) => `pass^${k}`), "Flaky questions"],
          rows: result.repeatStats.map((r) => [r.pipeline, ...r.passAtK.map((v) => pct(v)), ...r.passHatK.map((v) => pct(v)), r.flaky.length]),
        },
        {
          kind: "list",
          items: result.repeatStats.map((r) => `${r.pipeline} flaky (passed in some repeats, failed in others): ${r.flaky.join(", ") || "none"}`),
        },
      ],
    });
  }
  sections.push({
    title: "Method",
    blocks: [
      {
        kind: "list",
        items: [
          "Verdict rule: orchestration is justified when at least one dimension is better beyond noise and none is worse beyond noise; 'beyond noise' = the 95% CI of orchestrated − baseline excludes 0.",
          "Paired bootstrap: questions are resampled with replacement and both pipelines are measured on the same resample; per-question repeats are averaged first.",
          "A question that errored or has no record counts as a failure (and an evidence miss) for its pipeline.",
          "Wilson intervals use n = questions; McNemar uses per-question majority correctness.",
        ],
      },
    ],
  });
  sections.push({
    title: "Runs",
    blocks: [
      { kind: "paragraph", text: "Baseline" },
      runFacts(input.baselineManifest, input.baselinePath),
      { kind: "paragraph", text: "Orchestrated" },
      runFacts(input.orchestratedManifest, input.orchestratedPath),
    ],
  });

  return {
    name: "compare-report",
    title: "Orchestrated vs baseline",
    subtitle: `${result.questions} questions × ${result.repeats} repeat(s) · baseline ${pct(result.baseline.accuracy)} · orchestrated ${pct(result.orchestrated.accuracy)}`,
    generatedAt: new Date().toISOString(),
    headline: { tone, title: result.verdict.summary, details: result.verdict.reasons },
    sections,
    data: result,
  };
}
