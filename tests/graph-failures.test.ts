import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { createServices, type AppServices } from "../src/app.js";
import { loadConfig } from "../src/config.js";
import { AppError } from "../src/errors.js";
import { SPECIALISTS, singleAgent } from "../specialists/index.js";
import type { AgentDefinition } from "../specialists/types.js";

const failing = (agent: AgentDefinition): AgentDefinition => ({
  ...agent,
  gather: async () => {
    throw new Error(`${agent.name} is broken`);
  },
});

let cache: string;
beforeAll(async () => {
  cache = await mkdtemp(path.join(tmpdir(), "graph-failures-"));
});
afterAll(() => rm(cache, { recursive: true, force: true }));

async function servicesWith(specialists: Partial<Record<"code" | "docs" | "debug" | "general", AgentDefinition>>, baseline?: AgentDefinition): Promise<AppServices> {
  const config = loadConfig({ INDEX_CACHE_DIR: cache, STATE_DB_PATH: ":memory:", SPECIALIST_MAX_ATTEMPTS: "2" });
  return createServices(config, { specialists, ...(baseline ? { baselineAgent: baseline } : {}) });
}

const CODE_QUESTION = "Where is computeSignature defined and what does it hash?";

describe("when agents fail", () => {
  it("a failing specialist hands the question to general, which answers", async () => {
    const services = await servicesWith({ code: failing(SPECIALISTS.code) });
    try {
      const result = await services.pipelines.orchestrated.run(CODE_QUESTION);
      expect(result.routesRun).toEqual(["general"]);
      expect(result.answer.length).toBeGreaterThan(0);
      expect(result.warnings.join(" ")).toMatch(/code specialist failed after 2 attempt\(s\).*code is broken.*answered by the general specialist/);
    } finally {
      await services.close();
    }
  });

  it("when general fails too, the request fails with PIPELINE_FAILED instead of an empty answer", async () => {
    const services = await servicesWith({ code: failing(SPECIALISTS.code), general: failing(SPECIALISTS.general) });
    try {
      const error = await services.pipelines.orchestrated.run(CODE_QUESTION).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AppError);
      expect(error).toMatchObject({ code: "PIPELINE_FAILED", status: 502 });
      expect((error as Error).message).toMatch(/code: .*code is broken.*general: .*general is broken/);
    } finally {
      await services.close();
    }
  });

  it("the baseline's single agent failing fails the request with PIPELINE_FAILED", async () => {
    const services = await servicesWith({}, failing(singleAgent));
    try {
      await expect(services.pipelines.baseline.run(CODE_QUESTION)).rejects.toMatchObject({ code: "PIPELINE_FAILED" });
    } finally {
      await services.close();
    }
  });
});
