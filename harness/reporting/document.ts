import type { TopLevelSpec } from "vega-lite";

/**
 * A report as data. Report builders (grade, compare, diagnose) produce one of these; reporters
 * (Markdown, HTML, JSON) render it. Neither family knows the other's details.
 */
export type Tone = "good" | "bad" | "warn" | "neutral";

export interface Headline {
  tone: Tone;
  title: string;
  details: string[];
}

export type Cell = string | number;

export type Block =
  | { kind: "paragraph"; text: string }
  | { kind: "list"; items: string[] }
  | { kind: "facts"; items: Array<[string, string]> }
  | { kind: "table"; caption?: string; columns: string[]; rows: Cell[][]; tones?: Array<Array<Tone | null>> }
  | { kind: "chart"; title: string; spec: TopLevelSpec };

export interface Section {
  title: string;
  blocks: Block[];
}

export interface ReportDocument {
  /** File stem: "grade-report" → grade-report.md / .html / .json. */
  name: string;
  title: string;
  subtitle: string;
  generatedAt: string;
  headline: Headline;
  sections: Section[];
  /** The machine-readable result, written as JSON. */
  data: unknown;
}
