import { mkdtemp, readdir, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createModelCache, DisabledModelCache, DiskModelCache, modelCacheKey } from "../src/models/model-call-cache.js";

const key = { model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }], repeat: 0 };

describe("model-call cache", () => {
  it("round-trips JSON values by sha256 of {model, messages, repeat}", async () => {
    const cache = new DiskModelCache(await mkdtemp(join(tmpdir(), "harness-cache-")));
    expect(await cache.get(key)).toBeUndefined();
    await cache.set(key, { content: "hello", usage: { inputTokens: 3 } });
    expect(await cache.get(key)).toEqual({ content: "hello", usage: { inputTokens: 3 } });
    expect(modelCacheKey(key)).toMatch(/^[0-9a-f]{64}$/);
  });
  it("separates repeats and models, and ignores key order inside messages", async () => {
    const cache = new DiskModelCache(await mkdtemp(join(tmpdir(), "harness-cache-")));
    await cache.set(key, "r0");
    expect(await cache.get({ ...key, repeat: 1 })).toBeUndefined();
    expect(await cache.get({ ...key, model: "gpt-4o" })).toBeUndefined();
    expect(await cache.get({ model: "gpt-4o-mini", repeat: 0, messages: [{ content: "hi", role: "user" }] })).toBe("r0");
    expect(modelCacheKey({ model: "m", prompt: "p", repeat: 0 })).not.toBe(modelCacheKey({ model: "m", messages: "p", repeat: 0 }));
  });
  it("never caches errors: a failed compute is retried, a success is reused", async () => {
    const cache = new DiskModelCache(await mkdtemp(join(tmpdir(), "harness-cache-")));
    let calls = 0;
    const failing = async () => {
      calls++;
      throw new Error("429 rate limited");
    };
    await expect(cache.getOrCompute(key, failing)).rejects.toThrow(/429/);
    await expect(cache.getOrCompute(key, failing)).rejects.toThrow(/429/);
    expect(calls).toBe(2);
    const ok = async () => {
      calls++;
      return { content: "fine" };
    };
    expect(await cache.getOrCompute(key, ok)).toEqual({ content: "fine" });
    expect(await cache.getOrCompute(key, ok)).toEqual({ content: "fine" });
    expect(calls).toBe(3);
    await expect(cache.set(key, new Error("x"))).rejects.toThrow(/never cached/);
  });
  it("treats a torn file as a miss", async () => {
    const dir = await mkdtemp(join(tmpdir(), "harness-cache-"));
    const cache = new DiskModelCache(dir);
    await cache.set(key, "v");
    const [fanout] = await readdir(dir);
    const [file] = await readdir(join(dir, fanout as string));
    await writeFile(join(dir, fanout as string, file as string), '{"value": "v');
    expect(await cache.get(key)).toBeUndefined();
  });
  it("--no-cache: the disabled cache stores nothing and always computes", async () => {
    const cache = createModelCache({ noCache: true });
    expect(cache).toBeInstanceOf(DisabledModelCache);
    expect(cache.enabled).toBe(false);
    await cache.set(key, "v");
    expect(await cache.get(key)).toBeUndefined();
    let calls = 0;
    await cache.getOrCompute(key, async () => ++calls);
    await cache.getOrCompute(key, async () => ++calls);
    expect(calls).toBe(2);
  });
});
