import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createServices } from "../src/app.js";
import { loadConfig } from "../src/config.js";
import { AskResultSchema, type AskResult } from "../src/contract.js";
import { buildServer, type ApiServer } from "../src/server/app.js";
import { SAMPLE_QUESTION_PER_ROUTE as PER_ROUTE } from "./helpers/sample-questions.js";

/** The real pipelines over the bundled sample repository (the default REPO_PATH), offline. */
let app: ApiServer;
let cacheDirectory: string;

beforeAll(async () => {
  cacheDirectory = await mkdtemp(path.join(tmpdir(), "server-ask-index-"));
  const config = loadConfig({ INDEX_CACHE_DIR: cacheDirectory });
  app = buildServer({ config, services: await createServices(config), logger: false });
  await app.ready();
});
afterAll(async () => {
  await app.close();
  await rm(cacheDirectory, { recursive: true, force: true });
});

async function ask(question: string, pipeline?: "orchestrated" | "baseline"): Promise<AskResult> {
  const response = await app.inject({
    method: "POST",
    url: "/ask",
    headers: { "content-type": "application/json" },
    payload: JSON.stringify({ question, ...(pipeline ? { pipeline } : {}) }),
  });
  expect(response.statusCode, response.body).toBe(200);
  return AskResultSchema.parse(response.json());
}

describe("POST /ask on the sample repository", () => {
  it.each(PER_ROUTE)("routes a $route question to $route and cites $file, which the answer names", async ({ route, question, file }) => {
    const result = await ask(question);
    expect(result.pipeline).toBe("orchestrated");
    expect(result.route).toBe(route);
    expect(result.routesRun).toContain(route);
    expect(result.notFound).toBe(false);
    const cited = result.citations.map((citation) => citation.path);
    expect(cited).toContain(file);
    expect(result.answer).toContain(file);
    for (const citation of result.citations) expect(citation.endLine).toBeGreaterThanOrEqual(citation.startLine);
  });

  it("answers with the baseline, which does not route", async () => {
    const result = await ask(PER_ROUTE[0].question, "baseline");
    expect(result.pipeline).toBe("baseline");
    expect(result.route).toBeNull();
    expect(result.routeConfidence).toBeNull();
    expect(result.toolsCalled.length).toBeGreaterThan(0);
    expect(result.citations.map((citation) => citation.path)).toContain(PER_ROUTE[0].file);
  });

  it("reports the built index as ready", async () => {
    const response = await app.inject({ url: "/readyz" });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ status: "ready", provider: "offline" });
    expect(response.json().files).toBeGreaterThan(10);
  });
});
