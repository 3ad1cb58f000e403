import type { CreateScoreRequest } from "@langfuse/core";
import type { RunView } from "../analysis/run-view.js";
import type { CommandIO } from "../commands/io.js";
import { errorMessage } from "../errors.js";
import type { GradedRecord } from "../grading/graded-record-schema.js";
import { connectLangfuse, type LangfuseApi } from "./client.js";
import { DATASET_LINKS_FILE, readDatasetLinks } from "./dataset-links.js";
import { datasetRunScoresFor } from "./dataset-run-scores.js";
import { deliverAll, deliveredAll, describeDelivery } from "./delivery.js";
import type { LangfuseAvailability } from "./settings.js";
import { traceScoresFor } from "./trace-scores.js";

/** What `grade` does with Langfuse: collect scores while grading, send them once the files are written. */
export interface GradeExport {
  /** The `onGraded` hook of gradeRecords; never throws (a throw would abort grading). */
  onGraded(record: GradedRecord): void;
  /**
   * Sends the trace scores, then the aggregate scores of the dataset runs `run` linked. Awaits
   * every request, so nothing is left queued when the command exits. Never throws: a Langfuse
   * problem is a warning, the graded log and reports on disk are the result.
   */
  finish(context: { graded: readonly GradedRecord[]; view: RunView; runDir: string }): Promise<void>;
}

const OFF: GradeExport = { onGraded: () => {}, finish: async () => {} };

export function createGradeExport(availability: LangfuseAvailability, io: CommandIO): GradeExport {
  if ("off" in availability) {
    io.err(`langfuse: off (${availability.off}); scores are not sent to Langfuse`);
    return OFF;
  }
  const { settings } = availability;
  const scores: CreateScoreRequest[] = [];
  let untraced = 0;
  return {
    onGraded(record) {
      const forRecord = traceScoresFor(record, settings.environment);
      if (forRecord.length === 0) untraced++;
      scores.push(...forRecord);
    },
    async finish(context) {
      try {
        await sendAll(connectLangfuse(settings), scores, untraced, context, settings.environment, io);
      } catch (error) {
        io.err(`warning: langfuse: scores not sent (${errorMessage(error)}); graded.jsonl and the reports are complete`);
      }
    },
  };
}

async function sendAll(
  api: LangfuseApi,
  traceScores: readonly CreateScoreRequest[],
  untraced: number,
  context: { graded: readonly GradedRecord[]; view: RunView; runDir: string },
  environment: string | undefined,
  io: CommandIO,
): Promise<void> {
  const unreachable = await api.probe();
  if (unreachable) {
    io.err(`warning: langfuse: ${unreachable.message}; scores not sent; graded.jsonl and the reports are complete`);
    return;
  }
  const traced = new Set(traceScores.map((score) => score.traceId)).size;
  const traceReport = await deliverAll(traceScores, (score) => api.createScore(score), api.baseUrl);
  const untracedNote = untraced > 0 ? `; ${untraced} record(s) without a trace id (errors, or tracing off) not scored` : "";
  if (deliveredAll(traceReport)) io.out(`langfuse: ${traceReport.sent} score(s) on ${traced} trace(s) at ${api.baseUrl}${untracedNote}`);
  else io.err(`warning: langfuse: trace scores: ${describeDelivery(traceReport)}${untracedNote}; graded.jsonl and the reports are complete`);
  if (traceReport.stoppedBecause) return;

  const links = await readDatasetLinks(context.runDir, (message) => io.err(`warning: ${message}`));
  if (!links) return;
  if (links.baseUrl !== api.baseUrl) {
    io.err(`warning: langfuse: the dataset runs of this run were linked at ${links.baseUrl}, not ${api.baseUrl}; dataset-run scores are not sent`);
    return;
  }
  const graded = context.graded.filter((record) => record.runId === links.runId);
  if (graded.length === 0) {
    io.err(`warning: langfuse: ${DATASET_LINKS_FILE} belongs to run ${links.runId}, not to this run log; dataset-run scores are not sent`);
    return;
  }
  const runScores = datasetRunScoresFor(context.view, links.datasetRuns, { runId: links.runId, graded, ...(environment ? { environment } : {}) });
  const runReport = await deliverAll(runScores, (score) => api.createScore(score), api.baseUrl);
  if (deliveredAll(runReport)) {
    io.out(`langfuse: ${runReport.sent} aggregate score(s) on ${links.datasetRuns.length} dataset run(s) of dataset ${links.datasetName}`);
  } else {
    io.err(`warning: langfuse: dataset-run scores: ${describeDelivery(runReport)}; graded.jsonl and the reports are complete`);
  }
}
