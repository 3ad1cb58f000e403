import { beforeAll, describe, expect, it } from "vitest";
import { analyzeFile } from "../src/index/chunk.js";
import { fileTypeOf } from "../src/index/languages.js";
import { prepareGrammars } from "../src/index/treesitter.js";

function analyze(path: string, source: string) {
  const type = fileTypeOf(path);
  if (!type) throw new Error(`no type for ${path}`);
  return analyzeFile(path, source.split("\n"), type);
}

beforeAll(async () => {
  await prepareGrammars(["typescript", "tsx", "javascript", "python", "go"]);
});

describe("code chunking by symbol", () => {
  it("chunks TypeScript by function, class, method, interface and exported const, with imports", () => {
    const source = [
      'import { createHmac } from "node:crypto";', // 1
      'import type { Config } from "./config.js";', // 2
      "", // 3
      "/** Default attempts before a delivery is dead-lettered. */", // 4
      "export const MAX_ATTEMPTS = 5;", // 5
      "", // 6
      "export interface Delivery { id: string }", // 7
      "", // 8
      "export function sign(body: string, secret: string): string {", // 9
      '  return createHmac("sha256", secret).update(body).digest("hex");', // 10
      "}", // 11
      "", // 12
      "export const verify = (a: string, b: string) => a === b;", // 13
      "", // 14
      "export class Queue {", // 15
      "  private items: Delivery[] = [];", // 16
      "  push(item: Delivery): void {", // 17
      "    this.items.push(item);", // 18
      "  }", // 19
      "}", // 20
    ].join("\n");
    const { symbols, chunks, imports } = analyze("src/queue.ts", source);
    expect(imports).toEqual(["node:crypto", "./config.js"]);
    const byName = Object.fromEntries(symbols.map((s) => [s.container ? `${s.container}.${s.name}` : s.name, s]));
    expect(byName.MAX_ATTEMPTS).toMatchObject({ kind: "const", startLine: 4, endLine: 5, exported: true });
    expect(byName.Delivery).toMatchObject({ kind: "interface", startLine: 7 });
    expect(byName.sign).toMatchObject({ kind: "function", startLine: 9, endLine: 11, exported: true });
    expect(byName.verify).toMatchObject({ kind: "function", startLine: 13 });
    expect(byName.Queue).toMatchObject({ kind: "class", startLine: 15, endLine: 20 });
    expect(byName["Queue.push"]).toMatchObject({ kind: "method", startLine: 17, endLine: 19, container: "Queue" });
    const signChunk = chunks.find((c) => c.symbol === "sign");
    expect(signChunk).toMatchObject({ startLine: 9, endLine: 11 });
    expect(signChunk?.text).toContain("createHmac");
    // Imports are outside every symbol and still searchable.
    expect(chunks.some((c) => c.startLine === 1 && c.text.includes("node:crypto"))).toBe(true);
  });

  it("splits a long class into a header chunk and one chunk per method", () => {
    const methods = Array.from({ length: 8 }, (_, i) => [`  method${i}(): number {`, ...Array.from({ length: 6 }, () => `    return ${i};`), "  }"].join("\n"));
    const source = ["export class Big {", "  private field = 1;", ...methods, "}"].join("\n");
    const { chunks } = analyze("src/big.ts", source);
    expect(chunks.filter((c) => c.title?.startsWith("Big.method")).length).toBe(8);
    const header = chunks.find((c) => c.symbol === "Big");
    expect(header?.text).toContain("private field");
    expect(header?.text).not.toContain("method0");
  });

  it("chunks JavaScript with require imports and arrow functions", () => {
    const { symbols, imports } = analyze("lib/util.js", 'const fs = require("fs");\nconst toJson = (x) => JSON.stringify(x);\nmodule.exports = { toJson };\n');
    expect(imports).toEqual(["fs"]);
    expect(symbols.map((s) => s.name)).toEqual(["toJson"]);
  });

  it("chunks Python by function, class, method and module constant, decorators included", () => {
    const source = [
      "import json", // 1
      "from worker.retry import backoff", // 2
      "MAX_RETRIES = 5", // 3
      "", // 4
      "@backoff(3)", // 5
      "def deliver(job):", // 6
      "    return json.dumps(job)", // 7
      "", // 8
      "class DeliveryError(Exception):", // 9
      '    """Raised when an endpoint rejects a delivery."""', // 10
      "    def __str__(self):", // 11
      '        return "failed"', // 12
    ].join("\n");
    const { symbols, imports } = analyze("worker/deliver.py", source);
    expect(imports).toEqual(["json", "worker.retry"]);
    expect(symbols).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: "MAX_RETRIES", kind: "const", startLine: 3 }),
        expect.objectContaining({ name: "deliver", kind: "function", startLine: 5, endLine: 7 }),
        expect.objectContaining({ name: "DeliveryError", kind: "class", startLine: 9, endLine: 12 }),
        expect.objectContaining({ name: "__str__", kind: "method", container: "DeliveryError", exported: false }),
      ]),
    );
  });

  it("chunks Go by function, method (with receiver) and type", () => {
    const source = 'package main\n\nimport (\n\t"fmt"\n)\n\ntype Client struct{}\n\nfunc (c *Client) Send() error {\n\treturn nil\n}\n\nfunc main() {\n\tfmt.Println("x")\n}\n';
    const { symbols, imports } = analyze("cmd/main.go", source);
    expect(imports).toEqual(["fmt"]);
    expect(symbols).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: "Client", kind: "type", exported: true }),
        expect.objectContaining({ name: "Send", kind: "method", container: "Client", startLine: 9 }),
        expect.objectContaining({ name: "main", kind: "function", startLine: 13 }),
      ]),
    );
  });
});

describe("document chunking by heading", () => {
  it("splits Markdown into heading sections with their heading path, ignoring # inside code fences", () => {
    const source = ["# Guide", "intro", "## Install", "npm i", "```sh", "# not a heading", "```", "## Configure", "### Retries", "set RETRIES"].join("\n");
    const { chunks } = analyze("docs/guide.md", source);
    expect(chunks.map((c) => [c.title, c.startLine, c.endLine])).toEqual([
      ["Guide", 1, 2],
      ["Guide > Install", 3, 7],
      ["Guide > Configure", 8, 8],
      ["Guide > Configure > Retries", 9, 10],
    ]);
  });

  it("splits reStructuredText by underlined and overlined headings", () => {
    const source = ["=======", "Worker", "=======", "", "About.", "", "Retries", "-------", "", "Five attempts.", "", "Backoff", "~~~~~~~", "Doubles."].join("\n");
    const { chunks } = analyze("docs/worker.rst", source);
    expect(chunks.map((c) => c.title)).toEqual(["Worker", "Worker > Retries", "Worker > Retries > Backoff"]);
    expect(chunks[1]).toMatchObject({ startLine: 7, endLine: 11 });
  });

  it("falls back to overlapping line windows for other text files", () => {
    const source = Array.from({ length: 100 }, (_, i) => `line ${i + 1}`).join("\n");
    const { chunks } = analyze("logs/run.log", source);
    expect(chunks.map((c) => [c.startLine, c.endLine])).toEqual([
      [1, 40],
      [31, 70],
      [61, 100],
    ]);
  });
});
