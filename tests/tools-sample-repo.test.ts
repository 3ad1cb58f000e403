import { readFileSync } from "node:fs";
import { mkdtemp, rm, symlink, writeFile, cp } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SAMPLE_REPO_PATH } from "../src/config.js";
import { buildRepositoryIndex, type RepositoryIndex } from "../src/index/repository-index.js";
import { runTool, TOOL_NAMES, TOOLS, type ToolName } from "../src/tools/registry.js";

let index: RepositoryIndex;
beforeAll(async () => {
  index = await buildRepositoryIndex({ root: SAMPLE_REPO_PATH });
});

const paths = (evidence: Array<{ path: string }>) => evidence.map((e) => e.path);

describe("tools on the sample repository", () => {
  it("every tool has a description and a zod schema a model can use", () => {
    for (const name of TOOL_NAMES) {
      expect(TOOLS[name].description.length).toBeGreaterThan(60);
      expect(TOOLS[name].schema.safeParse({}).success).toBe(false); // every tool needs an argument
    }
  });

  it("search_code finds the implementation of a described behaviour, with line ranges inside the file", async () => {
    const { evidence } = await runTool(index, "search_code", { query: "compute the HMAC signature of a webhook payload", k: 5 });
    expect(paths(evidence).slice(0, 3)).toContain("src/signing/hmac.ts");
    for (const item of evidence) {
      expect(item.startLine).toBeGreaterThanOrEqual(1);
      expect(item.endLine).toBeLessThanOrEqual(index.files.get(item.path)!.lineCount);
      expect(["code", "text"]).toContain(item.kind);
    }
  });

  it("find_symbol resolves exact names, Container.member names and partial names", async () => {
    const exact = await runTool(index, "find_symbol", { name: "computeSignature" });
    expect(exact.evidence[0]).toMatchObject({ path: "src/signing/hmac.ts", startLine: 28, kind: "symbol", symbol: "computeSignature" });
    expect(exact.evidence[0]!.text).toContain("createHmac");
    const python = await runTool(index, "find_symbol", { name: "compute_signature" });
    expect(python.evidence[0]!.path).toBe("worker/hookrelay_worker/signing.py");
    const partial = await runTool(index, "find_symbol", { name: "SignatureMismatch" });
    expect(partial.evidence.map((e) => e.symbol)).toContain("SignatureMismatchError");
  });

  it("read_file reads a bounded range and says when it is truncated", async () => {
    const { evidence, details } = await runTool(index, "read_file", { path: "src/signing/hmac.ts", startLine: 28, endLine: 30 });
    expect(evidence[0]).toMatchObject({ path: "src/signing/hmac.ts", startLine: 28, endLine: 30, kind: "file" });
    expect(evidence[0]!.text.split("\n")).toHaveLength(3);
    const whole = await runTool(index, "read_file", { path: "logs/ci-failing-run.log" });
    expect(whole.evidence[0]!.endLine - whole.evidence[0]!.startLine + 1).toBeLessThanOrEqual(200);
    expect(details).toMatchObject({ truncated: false });
  });

  it("list_files matches globs relative to the root, names anywhere for a glob without a slash", async () => {
    const docs = await runTool(index, "list_files", { glob: "docs/**/*.md" });
    expect(paths(docs.evidence)).toEqual(expect.arrayContaining(["docs/architecture.md", "docs/configuration.md", "docs/operations/runbook.md"]));
    const python = await runTool(index, "list_files", { glob: "*.py" });
    expect(python.evidence.every((e) => e.path.endsWith(".py"))).toBe(true);
    expect(paths(python.evidence)).toContain("worker/hookrelay_worker/delivery.py");
  });

  it("search_docs returns documentation sections, not code", async () => {
    const { evidence } = await runTool(index, "search_docs", { query: "environment variables for the worker", k: 5 });
    expect(evidence.length).toBeGreaterThan(0);
    expect(evidence.every((e) => e.kind === "doc")).toBe(true);
    expect(paths(evidence)).toContain("docs/configuration.md");
  });

  it("parse_stack_trace maps the saved failing test run to the test file and the function under test", async () => {
    const log = readFileSync(path.join(SAMPLE_REPO_PATH, "logs/ci-failing-run.log"), "utf8");
    const failure = log.slice(log.indexOf("FAIL"));
    const { evidence, details } = await runTool(index, "parse_stack_trace", { text: failure.slice(0, 4000) });
    expect(details).toMatchObject({ language: "javascript" });
    expect(paths(evidence)).toContain("tests/hmac.test.ts");
  });

  it("search_errors finds where an error code is defined and where it is thrown", async () => {
    const { evidence, details } = await runTool(index, "search_errors", { text: '{"error":{"code":"E_SIGNATURE_MISMATCH","message":"no signature in the header matches the request body"}}' });
    expect(paths(evidence)).toEqual(expect.arrayContaining(["src/errors.ts", "src/signing/hmac.ts"]));
    const roles = (details!.sites as Array<{ path: string; role: string }>).filter((s) => s.path === "src/signing/hmac.ts").map((s) => s.role);
    // The thrown message's literal is recognised as the template of the pasted message.
    expect(roles).toContain("template");
  });

  it("rejects bad arguments with a clear error naming the problem", async () => {
    await expect(runTool(index, "search_code", { query: "" })).rejects.toThrow(/query must not be empty/);
    await expect(runTool(index, "search_code", { query: "x", k: 500 })).rejects.toThrow(/search_code/);
    await expect(runTool(index, "read_file", { path: "src/config.ts", startLine: 10, endLine: 2 })).rejects.toThrow(/endLine must not be before startLine/);
    await expect(runTool(index, "find_symbol", { name: "x", extra: 1 })).rejects.toThrow(/find_symbol/);
    await expect(runTool(index, "nope" as ToolName, {})).rejects.toThrow(/Unknown tool/);
  });
});

describe("paths stay inside the repository", () => {
  let root: string;
  let outside: string;
  let linked: RepositoryIndex;
  beforeAll(async () => {
    outside = await mkdtemp(path.join(tmpdir(), "repo-qa-outside-"));
    await writeFile(path.join(outside, "secret.txt"), "outside the repository\n");
    root = await mkdtemp(path.join(tmpdir(), "repo-qa-links-"));
    await writeFile(path.join(root, "inside.ts"), "export const inside = 1;\n");
    await symlink(path.join(outside, "secret.txt"), path.join(root, "escape.txt"));
    await symlink(outside, path.join(root, "escape-dir"));
    linked = await buildRepositoryIndex({ root });
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
    await rm(outside, { recursive: true, force: true });
  });

  it("rejects .. traversal and absolute paths outside the root", async () => {
    await expect(runTool(index, "read_file", { path: "../../../etc/passwd" })).rejects.toMatchObject({ code: "PATH_OUTSIDE_REPOSITORY" });
    await expect(runTool(index, "read_file", { path: "src/../../../../etc/passwd" })).rejects.toMatchObject({ code: "PATH_OUTSIDE_REPOSITORY" });
    await expect(runTool(index, "read_file", { path: "/etc/passwd" })).rejects.toMatchObject({ code: "PATH_OUTSIDE_REPOSITORY" });
    await expect(runTool(index, "list_files", { glob: "../**" })).rejects.toMatchObject({ code: "PATH_OUTSIDE_REPOSITORY" });
  });

  it("accepts an absolute path inside the root and answers with the relative path", async () => {
    const { evidence } = await runTool(index, "read_file", { path: path.join(index.root, "src/signing/hmac.ts"), endLine: 2 });
    expect(evidence[0]!.path).toBe("src/signing/hmac.ts");
  });

  it("rejects symbolic links that leave the repository, for files and directories", async () => {
    await expect(runTool(linked, "read_file", { path: "escape.txt" })).rejects.toMatchObject({ code: "PATH_OUTSIDE_REPOSITORY" });
    await expect(runTool(linked, "read_file", { path: "escape-dir/secret.txt" })).rejects.toMatchObject({ code: "PATH_OUTSIDE_REPOSITORY" });
    const listing = await runTool(linked, "list_files", { glob: "**" });
    expect(paths(listing.evidence)).toEqual(["inside.ts"]);
  });

  it("never follows a file replaced by an outside link after indexing", async () => {
    const repo = await mkdtemp(path.join(tmpdir(), "repo-qa-swap-"));
    try {
      await writeFile(path.join(repo, "a.ts"), "export const a = 1;\n");
      const swapped = await buildRepositoryIndex({ root: repo });
      await rm(path.join(repo, "a.ts"));
      await symlink(path.join(outside, "secret.txt"), path.join(repo, "a.ts"));
      await expect(runTool(swapped, "read_file", { path: "a.ts" })).rejects.toMatchObject({ code: "PATH_OUTSIDE_REPOSITORY" });
    } finally {
      await rm(repo, { recursive: true, force: true });
    }
  });
});

describe("planted secrets never come back from any tool", () => {
  const planted = JSON.parse(readFileSync(path.join(SAMPLE_REPO_PATH, "../planted-secrets.json"), "utf8")) as Array<{ file: string; value: string }>;
  // A PEM block is checked line by line: no line of its body may come back.
  const needles = planted.flatMap(({ value }) => value.split("\n").filter((line) => line.length >= 16 && !line.startsWith("-----")));

  const everyCall: Array<[ToolName, Record<string, unknown>]> = [
    ["search_code", { query: "GITHUB_TOKEN seed dev api key secret token password", k: 30 }],
    ["search_code", { query: "WEBHOOK_SIGNING_SECRET DATABASE_URL REDIS_URL whsec hr_live", k: 30 }],
    ["search_docs", { query: "secret key token password environment", k: 30 }],
    ["find_symbol", { name: "GITHUB_TOKEN" }],
    ["list_files", { glob: "**" }],
    ["search_errors", { text: "E_CONFIG WEBHOOK_SIGNING_SECRET must start with whsec_" }],
    ["parse_stack_trace", { text: "Error: boom\n    at seed (/app/scripts/seed-dev.sh:3:1)" }],
    ["read_file", { path: "scripts/seed-dev.sh" }],
  ];

  it("secret files are neither indexed nor readable", async () => {
    for (const { file } of planted.filter((p) => p.file !== "scripts/seed-dev.sh")) {
      expect(index.files.has(file)).toBe(false);
      await expect(runTool(index, "read_file", { path: file })).rejects.toMatchObject({ code: expect.stringMatching(/SECRET_PATH|FILE_NOT_INDEXED/) });
    }
  });

  it("no tool output contains a planted secret, including the token committed inside an indexed script", async () => {
    expect(index.files.has("scripts/seed-dev.sh")).toBe(true);
    for (const [name, args] of everyCall) {
      const output = JSON.stringify(await runTool(index, name, args));
      for (const needle of needles) expect(output, `${name} leaked a planted secret`).not.toContain(needle);
    }
    const script = await runTool(index, "read_file", { path: "scripts/seed-dev.sh" });
    expect(script.evidence[0]!.text).toContain("[REDACTED]");
  });

  it("a copy of the repository with the secret files un-ignored still never indexes them", async () => {
    const copy = await mkdtemp(path.join(tmpdir(), "repo-qa-secrets-"));
    try {
      await cp(SAMPLE_REPO_PATH, copy, { recursive: true });
      await writeFile(path.join(copy, ".gitignore"), "");
      const unignored = await buildRepositoryIndex({ root: copy });
      for (const { file } of planted.filter((p) => p.file !== "scripts/seed-dev.sh")) expect(unignored.files.has(file)).toBe(false);
      const output = JSON.stringify(await runTool(unignored, "list_files", { glob: "**" }));
      for (const needle of needles) expect(output).not.toContain(needle);
    } finally {
      await rm(copy, { recursive: true, force: true });
    }
  });
});
