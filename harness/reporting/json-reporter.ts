import type { ReportDocument } from "./document.js";
import type { Reporter } from "./reporter.js";

/** Non-finite numbers become null so the file is valid JSON that other tools can read. */
export const jsonReporter: Reporter = {
  name: "json",
  extension: "json",
  async render(document: ReportDocument): Promise<string> {
    const payload = { title: document.title, generatedAt: document.generatedAt, headline: document.headline, result: document.data };
    return JSON.stringify(payload, (_key, value: unknown) => (typeof value === "number" && !Number.isFinite(value) ? null : value), 2) + "\n";
  },
};
