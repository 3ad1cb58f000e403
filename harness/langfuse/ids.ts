import { createHash } from "node:crypto";
import type { PipelineName } from "../../src/contract.js";

/**
 * A UUID-shaped id derived from `parts` (name-based, like UUID v5 but over sha256): the same parts
 * always give the same id, so sending a score again updates it in Langfuse instead of adding one.
 */
export function deterministicUuid(...parts: ReadonlyArray<string | number>): string {
  const bytes = createHash("sha256").update(JSON.stringify(parts)).digest().subarray(0, 16);
  bytes[6] = ((bytes[6] as number) & 0x0f) | 0x50; // version 5 layout
  bytes[8] = ((bytes[8] as number) & 0x3f) | 0x80; // RFC 4122 variant
  const hex = bytes.toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** One dataset run per pipeline and repeat: Langfuse keeps one result per dataset item in a run. */
export function datasetRunName(runId: string, pipeline: PipelineName, repeat: number): string {
  return `${runId}-${pipeline}-r${repeat}`;
}

/** Langfuse caps dataset item ids at 255 characters. */
const MAX_ITEM_ID_LENGTH = 255;

/**
 * The Langfuse id of a benchmark item inside a dataset. Langfuse item ids are unique per project,
 * not per dataset (an id cannot be reused by a second dataset), so the benchmark id is prefixed
 * with the dataset name; the same benchmark can then feed several datasets.
 */
export function datasetItemId(datasetName: string, benchmarkItemId: string): string {
  const readable = `${datasetName}:${benchmarkItemId}`;
  return readable.length <= MAX_ITEM_ID_LENGTH ? readable : deterministicUuid("dataset-item", datasetName, benchmarkItemId);
}
