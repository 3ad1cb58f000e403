import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { checkBenchmarkText, loadBenchmark } from "../harness/benchmark.js";
import { HarnessError } from "../harness/errors.js";

const good = (id: string, extra: Record<string, unknown> = {}) => JSON.stringify({ id, question: `q ${id}?`, route: "code", ...extra });

describe("benchmark loading", () => {
  it("accepts a valid file, applies defaults and hashes the bytes", () => {
    const text = [good("a"), "", good("b", { expected_files: ["src/x.ts"], answerable: false })].join("\n");
    const check = checkBenchmarkText(text, "bench.jsonl");
    expect(check.ok).toBe(true);
    if (!check.ok) return;
    expect(check.benchmark.items.map((i) => i.id)).toEqual(["a", "b"]);
    expect(check.benchmark.items[0]?.expected_facts).toEqual([]);
    expect(check.benchmark.items[0]?.answerable).toBe(true);
    expect(check.benchmark.items[1]?.answerable).toBe(false);
    expect(check.benchmark.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it("reports every problem as file:line: reason, not just the first", () => {
    const text = [
      good("a"), // 1 ok
      "{not json", // 2 invalid JSON
      JSON.stringify({ id: "c", question: "q?", route: "frontend" }), // 3 bad route
      good("a"), // 4 duplicate of line 1
      JSON.stringify({ id: "e", question: "q?", route: "docs", surprise: 1 }), // 5 unknown key (strict)
      JSON.stringify({ question: "q?", route: "docs" }), // 6 missing id
    ].join("\n");
    const check = checkBenchmarkText(text, "b.jsonl");
    expect(check.ok).toBe(false);
    if (check.ok) return;
    const lines = check.issues.map((i) => `${i.file}:${i.line}`);
    expect(lines).toEqual(["b.jsonl:2", "b.jsonl:3", "b.jsonl:4", "b.jsonl:5", "b.jsonl:6"]);
    expect(check.issues[0]?.reason).toMatch(/invalid JSON/);
    expect(check.issues[1]?.reason).toMatch(/^route:/);
    expect(check.issues[2]?.reason).toBe('duplicate id "a" (first on line 1)');
    expect(check.issues[3]?.reason).toMatch(/surprise/);
    expect(check.issues[4]?.reason).toMatch(/^id:/);
  });

  it("an empty file is invalid", () => {
    const check = checkBenchmarkText("\n\n", "empty.jsonl");
    expect(check.ok).toBe(false);
  });

  it("loadBenchmark refuses with a HarnessError listing all problems, and names a missing file", async () => {
    const dir = await mkdtemp(join(tmpdir(), "harness-bench-"));
    const path = join(dir, "bench.jsonl");
    await writeFile(path, [good("a"), good("a"), "[]"].join("\n"));
    const error = await loadBenchmark(path).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HarnessError);
    const message = (error as HarnessError).message;
    expect(message).toContain(`${path}:2: duplicate id "a"`);
    expect(message).toContain(`${path}:3: `);
    expect(message).toContain("will not start");
    await expect(loadBenchmark(join(dir, "nope.jsonl"))).rejects.toThrow(/benchmark not found/);
  });
});
