import type { PipelineSummary } from "../analysis/metrics.js";
import type { RunView } from "../analysis/run-view.js";
import type { GradedRecord } from "../grading/graded-record-schema.js";
import { isCorrectLabel } from "../grading/trace-label.js";
import type { RunManifest } from "../run-log-schema.js";
import { cohensKappa, type KappaResult } from "../stats.js";
import type { Block, ReportDocument, Section } from "./document.js";
import { num, pct } from "./format.js";
import { runFacts } from "./run-facts.js";
import { labelTable, perRouteTable, standardCharts, summaryTable } from "./shared-blocks.js";

export interface GradeReportInput {
  runLogPath: string;
  gradedLogPath: string;
  records: readonly GradedRecord[];
  view: RunView;
  summaries: readonly PipelineSummary[];
  manifest: RunManifest | undefined;
}

/** Rule vs judge on the records the judge graded; null when there was no judge. */
export function judgeAgreement(records: readonly GradedRecord[]): KappaResult | null {
  const pairs = records.flatMap((r) => (r.grades.judge?.verdict ? [[r.grades.answer.verdict, r.grades.judge.verdict] as const] : []));
  return pairs.length > 0 ? cohensKappa(pairs, ["correct", "partial", "wrong"]) : null;
}

const MAX_FAILURE_ROWS = 300;

export function buildGradeReport(input: GradeReportInput): ReportDocument {
  const { summaries, records } = input;
  const agreement = judgeAgreement(records);
  const failures = records.filter((r) => !isCorrectLabel(r.label));
  const sections: Section[] = [
    { title: "Summary", blocks: summaryTable(summaries) },
    { title: "Charts", blocks: standardCharts(input.view, summaries) },
    { title: "Trace labels", blocks: [labelTable(summaries)] },
    { title: "Accuracy by route", blocks: [perRouteTable(summaries)] },
  ];
  if (agreement) {
    sections.push({
      title: "LLM judge vs rule grade",
      blocks: [
        {
          kind: "facts",
          items: [
            ["Records judged", String(agreement.n)],
            ["Agreement", pct(agreement.agreement)],
            ["Cohen's kappa", num(agreement.kappa, 3)],
          ],
        },
        { kind: "paragraph", text: "Calibrate the judge against hand labels with `calibrate --labels FILE` before trusting it over the rule grade." },
      ],
    });
  }
  const failureRows = failures.slice(0, MAX_FAILURE_ROWS).map((r) => [r.questionId, r.pipeline, r.repeat, r.expectedRoute, r.route ?? "—", r.label, r.labelReason]);
  const failureBlocks: Block[] = [
    {
      kind: "table",
      caption: failures.length > MAX_FAILURE_ROWS ? `First ${MAX_FAILURE_ROWS} of ${failures.length}; all are in the graded log.` : `${failures.length} record(s) not labelled correct.`,
      columns: ["Question", "Pipeline", "Repeat", "Expected route", "Chosen route", "Label", "Why"],
      rows: failureRows,
    },
  ];
  const missing = input.view.outcomes.filter((o) => o.record === null);
  if (missing.length > 0) {
    failureBlocks.push({ kind: "paragraph", text: `${missing.length} expected record(s) are missing from the run log and count as failures: ${missing.slice(0, 50).map((o) => `${o.questionId}/${o.pipeline}#${o.repeat}`).join(", ")}${missing.length > 50 ? ", …" : ""}` });
  }
  sections.push({ title: "Records that are not correct", blocks: failureBlocks });
  sections.push({ title: "Run", blocks: [runFacts(input.manifest, input.runLogPath), { kind: "facts", items: [["Graded log", input.gradedLogPath]] }] });

  const headlineParts = summaries.map((s) => `${s.pipeline} ${pct(s.accuracy)}`);
  const errors = summaries.reduce((sum, s) => sum + s.errors + s.missing, 0);
  return {
    name: "grade-report",
    title: "Grade report",
    subtitle: `${records.length} graded record(s) from ${input.runLogPath}`,
    generatedAt: new Date().toISOString(),
    headline: {
      tone: errors > 0 ? "warn" : "neutral",
      title: `Accuracy: ${headlineParts.join(" · ")}`,
      details: [
        ...summaries.map((s) => `${s.pipeline}: ${s.labels.correct + s.labels.correct_but_wasteful}/${s.records} correct (${s.labels.correct_but_wasteful} wasteful), ${s.errors} error(s), ${s.missing} missing`),
        ...(agreement ? [`LLM judge agrees with the rule grade on ${pct(agreement.agreement)} (κ = ${num(agreement.kappa, 2)})`] : []),
      ],
    },
    sections,
    data: { summaries, judgeAgreement: agreement, failures: failures.map((r) => ({ questionId: r.questionId, pipeline: r.pipeline, repeat: r.repeat, label: r.label, reason: r.labelReason })) },
  };
}
