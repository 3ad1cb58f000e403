import type { RepositoryIndex } from "../../src/index/repository-index.js";

/** Manifests that declare what a project is built with, in the order most projects would be asked about. */
const MANIFESTS = [
  "package.json",
  "pyproject.toml",
  "go.mod",
  "Cargo.toml",
  "pom.xml",
  "build.gradle",
  "build.gradle.kts",
  "Gemfile",
  "composer.json",
  "requirements.txt",
  "setup.py",
  "mix.exs",
  "pubspec.yaml",
];
const README = /^readme(\.[a-z]+)?$/i;

/** A question about the stack: dependencies, frameworks, languages, runtimes, versions. */
export function asksAboutStack(question: string): boolean {
  return /\b(depend\w*|librar\w*|framework\w*|built (with|on)|stack|language\w*|runtime\w*|versions?|packages?|requirements?|node|python|toolchain|engine\w*)\b/i.test(question);
}

export function topLevelReadme(index: RepositoryIndex): string | undefined {
  return [...index.files.keys()].find((path) => !path.includes("/") && README.test(path));
}

/** The top-level manifests present, most common first. */
export function topLevelManifests(index: RepositoryIndex): string[] {
  return MANIFESTS.filter((name) => index.files.has(name));
}

/**
 * Where a manifest declares runtime dependencies, as a 1-based inclusive line range:
 * `"dependencies": {…}` in package.json, `[dependencies]`/`dependencies = [` in TOML,
 * `require (…)` in go.mod; the whole file for plain requirement lists.
 */
export function dependencySection(manifest: string, lines: readonly string[]): { startLine: number; endLine: number } | undefined {
  const find = (pattern: RegExp) => lines.findIndex((line) => pattern.test(line));
  const untilIndentedClose = (start: number, close: RegExp) => {
    const end = lines.findIndex((line, i) => i > start && close.test(line));
    return { startLine: start + 1, endLine: (end === -1 ? lines.length - 1 : end) + 1 };
  };
  const base = manifest.slice(manifest.lastIndexOf("/") + 1);
  if (base === "package.json" || base === "composer.json") {
    const start = find(/^\s*"(dependencies|require)"\s*:\s*\{/);
    return start === -1 ? undefined : untilIndentedClose(start, /^\s*\}/);
  }
  if (base.endsWith(".toml")) {
    const table = find(/^\s*\[(dependencies|tool\.poetry\.dependencies|project)\]\s*$/);
    if (table !== -1) return untilIndentedClose(table, /^\s*\[/);
    const list = find(/^\s*dependencies\s*=\s*\[/);
    return list === -1 ? undefined : untilIndentedClose(list, /^\s*\]/);
  }
  if (base === "go.mod") {
    const start = find(/^require\s*\(/);
    return start === -1 ? undefined : untilIndentedClose(start, /^\)/);
  }
  return lines.length > 0 ? { startLine: 1, endLine: Math.min(lines.length, 80) } : undefined;
}
