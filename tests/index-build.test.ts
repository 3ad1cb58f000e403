import { symlink, utimes, writeFile, rm } from "node:fs/promises";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { buildRepositoryIndex } from "../src/index/repository-index.js";
import { redactSecrets } from "../src/index/secrets.js";
import { makeTempRepo } from "./helpers/temp-repo.js";

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function tempRepo(files: Record<string, string | Buffer>) {
  const repo = await makeTempRepo(files);
  cleanups.push(repo.cleanup);
  return repo.root;
}

async function tempDir() {
  const dir = await mkdtemp(path.join(tmpdir(), "repo-qa-cache-"));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

describe("ignore rules", () => {
  it("respects nested .gitignore files and the default ignore list", async () => {
    const root = await tempRepo({
      ".gitignore": "generated/\n*.tmp\n",
      "src/app.ts": "export const app = 1;\n",
      "src/.gitignore": "local-only.ts\n",
      "src/local-only.ts": "export const hidden = 1;\n",
      "generated/out.ts": "export const gen = 1;\n",
      "notes.tmp": "scratch\n",
      "node_modules/pkg/index.js": "module.exports = 1;\n",
      "dist/app.js": "var app = 1;\n",
      "package-lock.json": "{}\n",
      "public/app.min.js": "var a=1;".repeat(400) + "\n",
      "public/logo.png": Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0]),
      "data/blob.txt": Buffer.concat([Buffer.from("text"), Buffer.from([0]), Buffer.from("more")]),
      "big.txt": "x".repeat(1024 * 1024 + 10),
      "README.md": "# Hello\n",
    });
    const index = await buildRepositoryIndex({ root });
    expect([...index.files.keys()].sort()).toEqual([".gitignore", "README.md", "src/.gitignore", "src/app.ts"]);
    expect(index.files.has("src/local-only.ts")).toBe(false);
    expect(index.files.has("generated/out.ts")).toBe(false);
    expect(index.files.has("public/app.min.js")).toBe(false);
    expect(index.stats.skippedBinary).toBe(1);
    expect(index.stats.tooLarge).toBe(1);
  });

  it("accepts extra ignore patterns from configuration", async () => {
    const root = await tempRepo({ "src/a.ts": "export const a = 1;\n", "fixtures/b.ts": "export const b = 1;\n" });
    const index = await buildRepositoryIndex({ root, extraIgnore: ["fixtures/"] });
    expect([...index.files.keys()]).toEqual(["src/a.ts"]);
  });
});

describe("secrets", () => {
  it("never indexes secret files, even when they are not gitignored", async () => {
    const root = await tempRepo({
      ".env": "API_TOKEN=FAKEabcdef1234567890\n",
      ".env.production": "X=1\n",
      "certs/server.pem": "-----BEGIN PRIVATE KEY-----\nFAKE\n-----END PRIVATE KEY-----\n",
      "deploy/id_rsa": "FAKE KEY\n",
      "secrets/db.yaml": "password: FAKE\n",
      "config/credentials.json": '{"FAKE": true}\n',
      "src/a.ts": "export const a = 1;\n",
    });
    const index = await buildRepositoryIndex({ root });
    expect([...index.files.keys()]).toEqual(["src/a.ts"]);
    expect(index.stats.secret).toBe(6);
  });

  it("redacts token-looking lines and private key blocks inside indexed files, keeping line numbers", () => {
    const text = [
      'const aws = "AKIAFAKEFAKEFAKE1234";',
      "password: z.string(),",
      "DATABASE_URL=postgres://app:FAKEpassw0rd@db:5432/app",
      "-----BEGIN RSA PRIVATE KEY-----",
      "MIIEFAKEFAKE",
      "-----END RSA PRIVATE KEY-----",
      'const token = "ghp_FAKE1234567890abcdefghijklmnopqrstuv";',
      'clientSecret: "FAKEclientsecret123"',
    ].join("\n");
    const redacted = redactSecrets(text);
    expect(redacted.split("\n")).toHaveLength(8);
    expect(redacted).not.toMatch(/AKIAFAKE|FAKEpassw0rd|MIIEFAKE|ghp_FAKE|FAKEclientsecret/);
    expect(redacted).toContain("password: z.string(),"); // ordinary code is left alone
    expect(redacted.split("\n")[2]).toBe("DATABASE_URL=postgres://app:[REDACTED]@db:5432/app");
  });

  it("gives the same answer from its cache: asked again, or given its own output, or a text too long to cache", () => {
    const line = 'const token = "ghp_FAKE1234567890abcdefghijklmnopqrstuv";';
    const once = redactSecrets(line);
    expect(once).toBe("const token = \"[REDACTED]\";");
    expect(redactSecrets(line)).toBe(once);
    expect(redactSecrets(once)).toBe(once);
    const long = `${"x".repeat(20_000)}\n${line}`;
    expect(redactSecrets(long)).toBe(`${"x".repeat(20_000)}\n${once}`);
    expect(redactSecrets(`${line} `)).toBe(`${once} `); // a different text is not served another's result
  });
});

describe("symbolic links", () => {
  it("does not follow links while walking, so nothing outside the root is indexed", async () => {
    const outside = await tempRepo({ "secret-notes.md": "# Outside\nthe outside world\n" });
    const root = await tempRepo({ "src/a.ts": "export const a = 1;\n" });
    await symlink(outside, path.join(root, "linked-dir"));
    await symlink(path.join(outside, "secret-notes.md"), path.join(root, "notes.md"));
    const index = await buildRepositoryIndex({ root });
    expect([...index.files.keys()]).toEqual(["src/a.ts"]);
    expect(index.stats.symlinks).toBe(2);
  });
});

describe("index cache", () => {
  it("re-analyses only changed files on a restart and sees their new content", async () => {
    const root = await tempRepo({
      "src/a.ts": "export function alpha() { return 1; }\n",
      "src/b.ts": "export function beta() { return 2; }\n",
      "docs/c.md": "# Gamma\ngamma docs\n",
    });
    const cacheDirectory = await tempDir();
    const first = await buildRepositoryIndex({ root, cacheDirectory });
    expect(first.stats).toMatchObject({ analysed: 3, fromCache: 0 });

    const second = await buildRepositoryIndex({ root, cacheDirectory });
    expect(second.stats).toMatchObject({ analysed: 0, fromCache: 3 });
    expect(second.version).toBe(first.version);
    expect(second.search("beta", 3)[0]?.chunk.path).toBe("src/b.ts");

    await writeFile(path.join(root, "src/b.ts"), "export function betaRenamed() { return 3; }\nexport function delta() {}\n");
    await utimes(path.join(root, "src/b.ts"), new Date(), new Date(Date.now() + 5000));
    await rm(path.join(root, "docs/c.md"));
    const third = await buildRepositoryIndex({ root, cacheDirectory });
    expect(third.stats).toMatchObject({ analysed: 1, fromCache: 1, files: 2 });
    expect(third.version).not.toBe(first.version);
    expect(third.symbolsByName.has("beta")).toBe(false);
    expect(third.symbolsByName.get("delta")?.[0]?.path).toBe("src/b.ts");
    expect(third.search("gamma", 5)).toEqual([]); // the removed file's chunks are gone from search
    expect(third.search("betaRenamed", 3)[0]?.chunk.path).toBe("src/b.ts");
  });

  it("re-reads a file whose mtime changed but reuses its analysis when the content is the same", async () => {
    const root = await tempRepo({ "src/a.ts": "export function alpha() { return 1; }\n" });
    const cacheDirectory = await tempDir();
    await buildRepositoryIndex({ root, cacheDirectory });
    await utimes(path.join(root, "src/a.ts"), new Date(), new Date(Date.now() + 10_000));
    const again = await buildRepositoryIndex({ root, cacheDirectory });
    expect(again.stats).toMatchObject({ analysed: 0, fromCache: 1 });
  });

  it("reports progress as files are indexed", async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 1200; i++) files[`src/f${i}.ts`] = `export const value${i} = ${i};\n`;
    const root = await tempRepo(files);
    const progress: Array<[number, number]> = [];
    await buildRepositoryIndex({ root, onProgress: (done, total) => progress.push([done, total]) });
    expect(progress.length).toBeGreaterThanOrEqual(2);
    expect(progress.at(-1)).toEqual([1200, 1200]);
  });
});
