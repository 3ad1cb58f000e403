import type { ReportDocument } from "./document.js";

/** One output format. Adding one: a new file exporting a Reporter, then one line in registry.ts. */
export interface Reporter {
  readonly name: string;
  readonly extension: string;
  render(document: ReportDocument): Promise<string>;
}
