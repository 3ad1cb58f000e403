import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadBenchmark } from "../harness/benchmark.js";
import { ROUTES } from "../src/contract.js";

const ROOT = join(import.meta.dirname, "..");
const BENCHMARKS = join(ROOT, "harness/benchmarks");

/** The repository each shipped benchmark is about (the README's harness section runs them this way). */
const REPOSITORY_OF: Record<string, string> = {
  "sample-repo.jsonl": "harness/fixtures/sample-repo",
  "fastify-dev.jsonl": "node_modules/fastify",
  "pino-dev.jsonl": "node_modules/pino",
};

describe("shipped benchmarks", () => {
  const files = readdirSync(BENCHMARKS).filter((name) => name.endsWith(".jsonl"));

  it("each has a known repository", () => {
    expect(files.sort()).toEqual(Object.keys(REPOSITORY_OF).sort());
  });

  it.each(files)("%s is valid, covers every route and points only at files that hold its facts", async (name) => {
    const { items } = await loadBenchmark(join(BENCHMARKS, name));
    const repository = join(ROOT, REPOSITORY_OF[name]!);
    for (const route of ROUTES) {
      const ofRoute = items.filter((item) => item.route === route);
      expect(ofRoute.length, `${name}: ${route} questions`).toBeGreaterThanOrEqual(15);
      expect(ofRoute.some((item) => !item.answerable), `${name}: an unanswerable ${route} question`).toBe(true);
    }
    for (const item of items) {
      if (!item.answerable) {
        expect(item.expected_files, item.id).toEqual([]);
        continue;
      }
      const texts = item.expected_files.map((file) => {
        const path = join(repository, file);
        expect(existsSync(path), `${item.id}: ${file} exists`).toBe(true);
        return readFileSync(path, "utf8").toLowerCase();
      });
      for (const fact of item.expected_facts) {
        expect(texts.some((text) => text.includes(fact.toLowerCase())), `${item.id}: "${fact}" is in an expected file`).toBe(true);
      }
    }
  });
});
