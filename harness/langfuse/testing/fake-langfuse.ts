/**
 * A stand-in for Langfuse's public API on 127.0.0.1, for tests (tests/harness-langfuse-*.test.ts).
 * It records every request (method, path, Authorization header, JSON body) and answers the
 * endpoints the harness calls (health and four POSTs) the way Langfuse does; `failWith` makes it answer every request
 * with that status instead. Not used by the harness itself.
 */
import { createHash, randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface RecordedRequest {
  method: string;
  path: string;
  authorization: string | undefined;
  body: unknown;
}

export interface FakeLangfuse {
  url: string;
  requests: RecordedRequest[];
  /** Requests to one endpoint, e.g. `to("POST", "/api/public/scores")`. */
  to(method: string, path: string): RecordedRequest[];
  /** The id this stand-in gives the dataset run named `runName`. */
  datasetRunIdFor(runName: string): string;
  close(): Promise<void>;
}

export async function startFakeLangfuse(options: { failWith?: number } = {}): Promise<FakeLangfuse> {
  const requests: RecordedRequest[] = [];
  const datasetRunIdFor = (runName: string) => `dsr-${createHash("sha256").update(runName).digest("hex").slice(0, 16)}`;

  const server = createServer((request, response) => {
    void readBody(request).then((text) => {
      const path = new URL(request.url ?? "/", "http://localhost").pathname;
      let body: unknown = undefined;
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch {
        body = text;
      }
      requests.push({ method: request.method ?? "", path, authorization: request.headers.authorization, body });
      if (options.failWith !== undefined) return send(response, options.failWith, { error: "stand-in failure" });
      send(response, ...answer(request.method ?? "", path, body as Record<string, unknown> | undefined, datasetRunIdFor));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    to: (method, path) => requests.filter((request) => request.method === method && request.path === path),
    datasetRunIdFor,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function answer(
  method: string,
  path: string,
  body: Record<string, unknown> | undefined,
  datasetRunIdFor: (runName: string) => string,
): [number, unknown] {
  const now = new Date().toISOString();
  if (method === "GET" && path === "/api/public/health") return [200, { status: "OK", version: "stand-in" }];
  if (method !== "POST" || body === undefined) return [404, { message: "not found" }];
  switch (path) {
    case "/api/public/v2/datasets":
      return [200, { id: `ds-${String(body.name)}`, name: body.name, description: body.description ?? null, metadata: body.metadata, inputSchema: null, expectedOutputSchema: null, projectId: "p", createdAt: now, updatedAt: now }];
    case "/api/public/dataset-items":
      return [200, { ...body, id: body.id, status: "ACTIVE", datasetId: `ds-${String(body.datasetName)}`, createdAt: now, updatedAt: now }];
    case "/api/public/dataset-run-items": {
      const runName = String(body.runName);
      return [200, { id: randomUUID(), datasetRunId: datasetRunIdFor(runName), datasetRunName: runName, datasetItemId: body.datasetItemId, traceId: body.traceId, observationId: null, createdAt: now, updatedAt: now }];
    }
    case "/api/public/scores":
      return [200, { id: body.id ?? randomUUID() }];
    default:
      return [404, { message: `no such endpoint: ${path}` }];
  }
}

function send(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { "content-type": "application/json" });
  response.end(JSON.stringify(body));
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    request.on("error", reject);
  });
}

/** A port on 127.0.0.1 that nothing listens on: an unreachable Langfuse. */
export async function closedPortUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}
