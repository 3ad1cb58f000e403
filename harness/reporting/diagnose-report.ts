import { LADDER, type PipelineDiagnosis } from "../analysis/diagnose.js";
import type { RunManifest } from "../run-log-schema.js";
import { causeShareChart } from "./chart-specs.js";
import type { Block, ReportDocument, Section } from "./document.js";
import { pct } from "./format.js";
import { runFacts } from "./run-facts.js";

export interface DiagnoseReportInput {
  runLogPath: string;
  diagnoses: readonly PipelineDiagnosis[];
  manifest: RunManifest | undefined;
}

const MAX_IDS = 40;
const ids = (list: readonly string[]) => (list.length === 0 ? "—" : list.slice(0, MAX_IDS).join(", ") + (list.length > MAX_IDS ? `, … (+${list.length - MAX_IDS})` : ""));

export function buildDiagnoseReport(input: DiagnoseReportInput): ReportDocument {
  const sections: Section[] = [];
  sections.push({
    title: "Failure causes",
    blocks: [
      {
        kind: "chart",
        title: "Share of attributed failures by cause",
        spec: causeShareChart(input.diagnoses.flatMap((d) => d.causes.map((c) => ({ pipeline: d.pipeline, cause: c.cause, share: c.share, count: c.count })))),
      },
    ],
  });
  for (const d of input.diagnoses) {
    const blocks: Block[] = [
      {
        kind: "facts",
        items: [
          ["Records", String(d.records)],
          ["Not correct", String(d.failures)],
          ["Attributed to a cause", String(d.attributed)],
          ["Errors", `${d.errors.count}${Object.keys(d.errors.codes).length > 0 ? ` (${Object.entries(d.errors.codes).map(([code, n]) => `${code} × ${n}`).join(", ")})` : ""}`],
          ["Missing records", String(d.missing.count)],
          ["Try first", d.recommendation.rung === "none" ? d.recommendation.advice : `${d.recommendation.rung}: ${d.recommendation.advice}`],
        ],
      },
      {
        kind: "table",
        columns: ["Cause", "Failures", "Share", "Threshold", "Questions"],
        rows: d.causes.map((c) => [c.cause, c.count, pct(c.share), `> ${pct(LADDER.find((step) => step.cause === c.cause)?.threshold ?? 0, 0)}`, ids(c.questionIds)]),
        tones: d.causes.map((c) => [null, null, c.cause === d.recommendation.rung ? "warn" : null, null, null]),
      },
    ];
    if (d.errors.count > 0) blocks.push({ kind: "paragraph", text: `Errored questions (reported separately, not attributed): ${ids(d.errors.questionIds)}` });
    if (d.missing.count > 0) blocks.push({ kind: "paragraph", text: `Questions with missing records: ${ids(d.missing.questionIds)}` });
    sections.push({ title: `Pipeline: ${d.pipeline}`, blocks });
  }
  sections.push({
    title: "The rule",
    blocks: [
      {
        kind: "list",
        items: [
          "retrieval — the expected evidence is missing (no expected file among the evidence paths), whatever else went wrong;",
          "prompt — evidence present, but the answer is partial or in the wrong format;",
          "context — evidence present but poorly used: a wrong answer that cites none of the expected files (incomplete evidence use, wrong parts cited);",
          "model — evidence present and instructions clear, still hallucinated, or wrong while citing the expected files;",
          `the rung to try first: ${LADDER.map((s) => `${s.cause} if its share > ${pct(s.threshold, 0)}`).join(", else ")}, else "no dominant cause". Shares are over attributed failures (errors and missing records are reported separately).`,
        ],
      },
    ],
  });
  sections.push({ title: "Run", blocks: [runFacts(input.manifest, input.runLogPath)] });

  const rungs = input.diagnoses.map((d) => `${d.pipeline}: ${d.recommendation.rung === "none" ? "no dominant cause" : `fix ${d.recommendation.rung} first`}`);
  return {
    name: "diagnose-report",
    title: "Failure diagnosis (optimization ladder)",
    subtitle: `${input.runLogPath}`,
    generatedAt: new Date().toISOString(),
    headline: {
      tone: input.diagnoses.some((d) => d.recommendation.rung !== "none") ? "warn" : "neutral",
      title: rungs.join(" · "),
      details: input.diagnoses.map((d) => `${d.pipeline}: ${d.recommendation.advice}`),
    },
    sections,
    data: { diagnoses: input.diagnoses, ladder: LADDER },
  };
}
