import { basename } from "node:path";
import type { CreateDatasetItemRequest } from "@langfuse/core";
import { loadRunRecords } from "../analysis/load.js";
import type { BenchmarkItem } from "../benchmark-schema.js";
import { loadBenchmark } from "../benchmark.js";
import type { CommandIO } from "../commands/io.js";
import { errorMessage } from "../errors.js";
import { readManifest } from "../runner/manifest.js";
import { recordKey } from "../runner/records.js";
import type { RunManifest, RunRecord } from "../run-log-schema.js";
import { connectLangfuse, describeLangfuseFailure, type LangfuseApi } from "./client.js";
import { writeDatasetLinks, type DatasetRunLink } from "./dataset-links.js";
import { deliverAll, deliveredAll, describeDelivery } from "./delivery.js";
import { datasetItemId, datasetRunName } from "./ids.js";
import type { LangfuseAvailability } from "./settings.js";

/** The dataset a run goes to unless `--langfuse-dataset NAME` says otherwise: one per benchmark file. */
export function defaultDatasetName(benchPath: string): string {
  return `harness-${basename(benchPath).replace(/\.jsonl$/i, "")}`;
}

/** A benchmark item as a Langfuse dataset item: the question in, what grading expects out. */
export function datasetItemFor(item: BenchmarkItem, datasetName: string): CreateDatasetItemRequest {
  return {
    datasetName,
    id: datasetItemId(datasetName, item.id),
    input: item.question,
    expectedOutput: { route: item.route, expected_files: item.expected_files, expected_facts: item.expected_facts, answerable: item.answerable },
    metadata: { benchmarkItemId: item.id, tags: item.tags },
  };
}

export interface DatasetExportContext {
  runDir: string;
  runLogPath: string;
  manifestPath: string;
  datasetName: string;
}

/**
 * After `run`: upserts the dataset and its items, then links every record that has a trace to a
 * dataset run named `<runId>-<pipeline>-r<repeat>`, and writes the run ids to langfuse-dataset.json
 * for `grade`. Never throws: a Langfuse problem is a warning; the run log on disk is the result.
 */
export async function exportDatasetRuns(availability: LangfuseAvailability, context: DatasetExportContext, io: CommandIO): Promise<void> {
  if ("off" in availability) {
    io.err(`langfuse: off (${availability.off}); the run is not recorded as a Langfuse dataset run`);
    return;
  }
  try {
    await exportTo(connectLangfuse(availability.settings), context, io);
  } catch (error) {
    io.err(`warning: langfuse: dataset run not recorded (${errorMessage(error)}); the run log is complete`);
  }
}

async function exportTo(api: LangfuseApi, context: DatasetExportContext, io: CommandIO): Promise<void> {
  const warn = (message: string) => io.err(`warning: langfuse: ${message}; the run log is complete`);
  const manifest = await readManifest(context.manifestPath);
  if (!manifest) return warn(`no manifest at ${context.manifestPath}, dataset run not recorded`);
  const benchmark = await loadBenchmark(manifest.benchmark.path);
  const items = benchmark.items.slice(0, manifest.benchmark.items);
  const records = latestRecords(await loadRunRecords(context.runLogPath));
  const { datasetName } = context;

  const unreachable = await api.probe();
  if (unreachable) return warn(`${unreachable.message}, dataset run not recorded`);
  try {
    await api.createDataset({
      name: datasetName,
      description: `Eval harness benchmark ${basename(manifest.benchmark.path)}`,
      metadata: { benchmarkPath: manifest.benchmark.path, benchmarkSha256: manifest.benchmark.sha256, items: benchmark.items.length },
    });
  } catch (error) {
    return warn(`could not create dataset ${datasetName}: ${describeLangfuseFailure(error, api.baseUrl).message}`);
  }

  const upserted = new Set<string>();
  const itemReport = await deliverAll(
    items,
    async (item) => {
      await api.upsertDatasetItem(datasetItemFor(item, datasetName));
      upserted.add(item.id);
    },
    api.baseUrl,
  );
  if (!deliveredAll(itemReport)) warn(`dataset items: ${describeDelivery(itemReport)}`);
  if (itemReport.stoppedBecause) return;

  const linkable = records.filter((record) => record.traceId !== null && upserted.has(record.questionId));
  const untraced = records.filter((record) => record.traceId === null).length;
  const datasetRuns = new Map<string, DatasetRunLink>();
  const linkReport = await deliverAll(
    linkable,
    async (record) => {
      const runName = datasetRunName(record.runId, record.pipeline, record.repeat);
      const { datasetRunId } = await api.linkDatasetRunItem({
        runName,
        runDescription: `eval harness run ${record.runId}: ${record.pipeline} pipeline, repeat ${record.repeat}`,
        metadata: runMetadata(manifest, record),
        datasetItemId: datasetItemId(datasetName, record.questionId),
        traceId: record.traceId as string,
      });
      datasetRuns.set(runName, { runName, pipeline: record.pipeline, repeat: record.repeat, datasetRunId });
    },
    api.baseUrl,
  );
  if (datasetRuns.size > 0) {
    await writeDatasetLinks(context.runDir, { runId: manifest.runId, datasetName, baseUrl: api.baseUrl, datasetRuns: [...datasetRuns.values()] }, (message) =>
      io.err(`warning: ${message}`),
    );
  }
  const untracedNote = untraced > 0 ? `; ${untraced} record(s) without a trace id (errors, or tracing off) not linked` : "";
  if (deliveredAll(linkReport)) {
    io.out(
      `langfuse: dataset ${datasetName}: ${itemReport.sent} item(s) upserted, ${linkReport.sent} trace(s) linked in ${datasetRuns.size} dataset run(s)${untracedNote}`,
    );
  } else {
    warn(`dataset run items: ${describeDelivery(linkReport)}${untracedNote}`);
  }
}

/** The last record of each (question, pipeline, repeat): a re-run replaces an earlier one. */
function latestRecords(records: readonly RunRecord[]): RunRecord[] {
  return [...new Map(records.map((record) => [recordKey(record), record])).values()];
}

function runMetadata(manifest: RunManifest, record: RunRecord): Record<string, unknown> {
  return {
    harnessRunId: record.runId,
    pipeline: record.pipeline,
    repeat: record.repeat,
    gitCommit: manifest.gitCommit,
    gitDirty: manifest.gitDirty,
    provider: manifest.provider,
    models: manifest.models,
    benchmarkSha256: manifest.benchmark.sha256,
  };
}
