import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildRepositoryIndex, type RepositoryIndex } from "../src/index/repository-index.js";
import { runTool } from "../src/tools/registry.js";
import { makeTempRepo } from "./helpers/temp-repo.js";

/**
 * An error code that lives only as a property of an error class: search_errors finds where that
 * class is raised, though the pasted error names only the code; a class raised everywhere (a
 * generic validation error) says nothing about where, and is left out.
 */

let repo: Awaited<ReturnType<typeof makeTempRepo>>;
let index: RepositoryIndex;

const validations = Array.from({ length: 5 }, (_, i) => `  if (input.field${i} === undefined) throw new ValidationError("field${i} is required");`).join("\n");

beforeAll(async () => {
  repo = await makeTempRepo({
    "src/errors.ts": [
      "export class AppError extends Error {}",
      "export class QuotaExhaustedError extends AppError {",
      '  readonly code = "E_QUOTA_EXHAUSTED";',
      "}",
      "export class ValidationError extends AppError {",
      '  readonly code = "E_BAD_INPUT";',
      "}",
    ].join("\n"),
    "src/billing/meter.ts": [
      'import { QuotaExhaustedError } from "../errors.js";',
      "export function charge(account: { used: number; limit: number }, units: number): void {",
      "  if (account.used + units > account.limit) {",
      "    throw new QuotaExhaustedError();",
      "  }",
      "  account.used += units;",
      "}",
    ].join("\n"),
    "src/api/validate.ts": ['import { ValidationError } from "../errors.js";', "export function validate(input: Record<string, unknown>): void {", validations, "}"].join("\n"),
  });
  index = await buildRepositoryIndex({ root: repo.root });
});
afterAll(() => repo?.cleanup());

type Sites = Array<{ path: string; line: number; role: string; term: string }>;
const sitesFor = async (text: string) => ((await runTool(index, "search_errors", { text })).details as { sites: Sites }).sites;

describe("search_errors through the class that carries a code", () => {
  it("finds where the class carrying a pasted code is raised", async () => {
    const sites = await sitesFor('{"error":{"code":"E_QUOTA_EXHAUSTED"}} on every upload since this morning');
    expect(sites).toContainEqual({ path: "src/errors.ts", line: 3, role: "reference", term: "E_QUOTA_EXHAUSTED" });
    expect(sites).toContainEqual({ path: "src/billing/meter.ts", line: 4, role: "carrier", term: "QuotaExhaustedError" });
  });

  it("leaves out a class raised in many places: it does not say where this error came from", async () => {
    const sites = await sitesFor('{"error":{"code":"E_BAD_INPUT"}} when I submit the form');
    expect(sites.some((site) => site.path === "src/errors.ts")).toBe(true);
    expect(sites.filter((site) => site.role === "carrier")).toEqual([]);
  });
});
