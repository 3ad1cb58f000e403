import { readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";
import { PipelineNameSchema } from "../../src/contract.js";
import { describeZodError } from "../jsonl.js";

/**
 * `run` records which Langfuse dataset runs it linked, next to the run log, so that `grade` (a
 * later process) can put the run's aggregate scores on them by `datasetRunId`.
 */
export const DATASET_LINKS_FILE = "langfuse-dataset.json";

export const DatasetRunLinkSchema = z.object({
  runName: z.string().min(1),
  pipeline: PipelineNameSchema,
  repeat: z.number().int().min(0),
  datasetRunId: z.string().min(1),
});
export type DatasetRunLink = z.infer<typeof DatasetRunLinkSchema>;

export const DatasetLinksSchema = z.object({
  runId: z.string().min(1),
  datasetName: z.string().min(1),
  /** Where Langfuse was; grade warns when it now talks to another one. */
  baseUrl: z.string().min(1),
  datasetRuns: z.array(DatasetRunLinkSchema),
});
export type DatasetLinks = z.infer<typeof DatasetLinksSchema>;

export function datasetLinksPath(runDir: string): string {
  return join(runDir, DATASET_LINKS_FILE);
}

/** The links of a run directory; undefined when there are none, or the file is unreadable (reported). */
export async function readDatasetLinks(runDir: string, warn: (message: string) => void): Promise<DatasetLinks | undefined> {
  const path = datasetLinksPath(runDir);
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch {
    return undefined;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    warn(`langfuse: ${path} is not valid JSON; dataset-run scores are not sent`);
    return undefined;
  }
  const parsed = DatasetLinksSchema.safeParse(json);
  if (!parsed.success) {
    warn(`langfuse: ${path} is invalid (${describeZodError(parsed.error)}); dataset-run scores are not sent`);
    return undefined;
  }
  return parsed.data;
}

/**
 * Writes the links, keeping runs linked by an earlier session of the same run (a resumed run
 * links again, and a later link of the same run name wins).
 */
export async function writeDatasetLinks(runDir: string, links: DatasetLinks, warn: (message: string) => void): Promise<void> {
  const previous = await readDatasetLinks(runDir, warn);
  const kept =
    previous && previous.runId === links.runId && previous.datasetName === links.datasetName
      ? previous.datasetRuns.filter((run) => !links.datasetRuns.some((fresh) => fresh.runName === run.runName))
      : [];
  const merged: DatasetLinks = { ...links, datasetRuns: [...kept, ...links.datasetRuns].sort((a, b) => a.runName.localeCompare(b.runName)) };
  const path = datasetLinksPath(runDir);
  await writeFile(`${path}.tmp`, JSON.stringify(merged, null, 2) + "\n");
  await rename(`${path}.tmp`, path);
}
