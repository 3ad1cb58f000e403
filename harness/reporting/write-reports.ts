import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { ReportDocument } from "./document.js";
import { REPORTERS } from "./registry.js";

/** Renders the document with every registered reporter into `directory`; returns the written paths. */
export async function writeReports(document: ReportDocument, directory: string): Promise<string[]> {
  await mkdir(directory, { recursive: true });
  const written: string[] = [];
  for (const reporter of REPORTERS) {
    const path = join(directory, `${document.name}.${reporter.extension}`);
    await writeFile(path, await reporter.render(document));
    written.push(path);
  }
  return written;
}
