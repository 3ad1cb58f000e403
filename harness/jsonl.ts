import { readFile } from "node:fs/promises";
import type { z } from "zod";
import { HarnessError } from "./errors.js";

export interface LineIssue {
  file: string;
  line: number;
  reason: string;
}

export function formatIssue(issue: LineIssue): string {
  return `${issue.file}:${issue.line}: ${issue.reason}`;
}

/** Compact, one-line rendering of zod issues: `field.path: message; other: message`. */
export function describeZodError(error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      const where = issue.path.length > 0 ? issue.path.join(".") : "(line)";
      return `${where}: ${issue.message}`;
    })
    .join("; ");
}

export interface ParsedLine<T> {
  line: number;
  value: T;
}

export interface JsonlParseResult<T> {
  rows: ParsedLine<T>[];
  issues: LineIssue[];
  /** True when the last non-empty line was not valid JSON (the signature of an interrupted append). */
  truncatedTail: boolean;
}

/**
 * Parses every non-blank line, validating each with the schema, and collects every problem
 * rather than stopping at the first, so one run of the command shows the whole list.
 */
export function parseJsonl<S extends z.ZodType>(
  text: string,
  file: string,
  schema: S,
): JsonlParseResult<z.infer<S>> {
  const rows: ParsedLine<z.infer<S>>[] = [];
  const issues: LineIssue[] = [];
  const lines = text.split(/\r?\n/);
  let lastNonBlank = -1;
  lines.forEach((raw, index) => {
    if (raw.trim() !== "") lastNonBlank = index;
  });
  let truncatedTail = false;
  lines.forEach((raw, index) => {
    if (raw.trim() === "") return;
    const line = index + 1;
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch (error) {
      if (index === lastNonBlank) truncatedTail = true;
      issues.push({ file, line, reason: `invalid JSON (${(error as Error).message})` });
      return;
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      issues.push({ file, line, reason: describeZodError(parsed.error) });
      return;
    }
    rows.push({ line, value: parsed.data });
  });
  return { rows, issues, truncatedTail };
}

export async function readTextFile(file: string, what: string): Promise<string> {
  try {
    return await readFile(file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw new HarnessError(`${what} not found: ${file}`);
    throw new HarnessError(`cannot read ${what} ${file}: ${(error as Error).message}`);
  }
}

/** Reads a JSONL file that must be entirely valid; every bad line is listed in the error. */
export async function readJsonlStrict<S extends z.ZodType>(
  file: string,
  schema: S,
  what: string,
): Promise<ParsedLine<z.infer<S>>[]> {
  const text = await readTextFile(file, what);
  const { rows, issues } = parseJsonl(text, file, schema);
  if (issues.length > 0) {
    throw new HarnessError(
      `${what} ${file} has ${issues.length} invalid line(s):\n${issues.map(formatIssue).join("\n")}`,
    );
  }
  return rows;
}

export function toJsonl(values: readonly unknown[]): string {
  return values.map((value) => JSON.stringify(value)).join("\n") + (values.length > 0 ? "\n" : "");
}
