import { mkdtemp, rm } from "node:fs/promises";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createServices, type AppServices } from "../src/app.js";
import { loadConfig } from "../src/config.js";
import { AskResultSchema } from "../src/contract.js";
import { buildServer, type ApiServer } from "../src/server/app.js";
import { clientErrorResponse } from "../src/server/client-errors.js";
import { ErrorResponseSchema } from "../src/server/schemas.js";

/**
 * Malformed HTTP over a real socket, below what `inject` can send: broken request lines and
 * headers, conflicting or lying framing (Content-Length, Transfer-Encoding), oversized headers and
 * URLs, duplicate headers, bare bytes, and seeded mutations of a valid request. Every response on
 * the wire must be a 2xx/3xx or a 4xx in the API's error shape, whether the request reached Fastify
 * or was refused by Node's parser; the server never answers 5xx, never crashes, and still answers
 * a valid question at the end. FUZZ_SEED replays another seed.
 */

const SEED = Number(process.env["FUZZ_SEED"] ?? 20261122);
/** A connection that has not closed this long after the request was sent is given up on (never the case so far). */
const CONNECTION_TIMEOUT_MS = 5_000;
/** Requests sent at once; the cases are independent. */
const PARALLEL = 16;

let indexCache: string;
let services: AppServices;
let app: ApiServer;
let port: number;
const logLines: string[] = [];

beforeAll(async () => {
  indexCache = await mkdtemp(path.join(tmpdir(), "fuzz-raw-"));
  const config = loadConfig({ INDEX_CACHE_DIR: indexCache, STATE_DB_PATH: ":memory:", AUTH: "off", RATE_LIMIT_MAX: "0", LOG_LEVEL: "info" });
  services = await createServices(config);
  app = buildServer({ config, services, logger: { stream: { write: (line) => void logLines.push(line) } } });
  await app.listen({ host: "127.0.0.1", port: 0 });
  port = (app.server.address() as { port: number }).port;
});

afterAll(async () => {
  await app?.close();
  await services?.close();
  await rm(indexCache, { recursive: true, force: true });
});

interface WireResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

/**
 * Sends raw bytes on a new connection, half-closes it (unless told not to), and collects everything
 * until the server closes it. Node's HTTP server takes a client's half-close as the end of the
 * exchange and aborts requests still in flight (so the service cancels their pipelines): a valid
 * question, which takes a few turns of the event loop, is sent with `Connection: close` instead.
 */
function exchange(bytes: Buffer, { halfClose = true } = {}): Promise<{ received: Buffer; timedOut: boolean }> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    const chunks: Buffer[] = [];
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      socket.destroy();
    }, CONNECTION_TIMEOUT_MS);
    socket.on("data", (chunk: Buffer) => chunks.push(chunk));
    // The server may reset a connection it refused while bytes are still arriving; what it sent before counts.
    socket.on("error", () => {});
    socket.on("close", () => {
      clearTimeout(timer);
      resolve({ received: Buffer.concat(chunks), timedOut });
    });
    if (halfClose) socket.end(bytes);
    else socket.write(bytes);
  });
}

/** Splits what the server sent into responses (Content-Length or chunked bodies, or up to the close). */
function parseResponses(received: Buffer): { responses: WireResponse[]; rest: Buffer } {
  const responses: WireResponse[] = [];
  let rest = received;
  while (rest.length > 0) {
    const headEnd = rest.indexOf("\r\n\r\n");
    if (headEnd < 0) break;
    const [statusLine, ...headerLines] = rest.subarray(0, headEnd).toString("latin1").split("\r\n");
    const status = /^HTTP\/1\.[01] (\d{3}) /.exec(statusLine ?? "")?.[1];
    if (!status) break;
    const headers = Object.fromEntries(headerLines.map((line) => [line.slice(0, line.indexOf(":")).toLowerCase(), line.slice(line.indexOf(":") + 1).trim()]));
    let bodyStart = headEnd + 4;
    let body: Buffer;
    if (headers["content-length"] !== undefined) {
      body = rest.subarray(bodyStart, bodyStart + Number(headers["content-length"]));
      bodyStart += body.length;
    } else if (headers["transfer-encoding"] === "chunked") {
      const parts: Buffer[] = [];
      for (;;) {
        const sizeEnd = rest.indexOf("\r\n", bodyStart);
        const size = parseInt(rest.subarray(bodyStart, sizeEnd).toString("latin1"), 16);
        if (sizeEnd < 0 || Number.isNaN(size)) break;
        parts.push(rest.subarray(sizeEnd + 2, sizeEnd + 2 + size));
        bodyStart = sizeEnd + 2 + size + 2;
        if (size === 0) break;
      }
      body = Buffer.concat(parts);
    } else if (Number(status) < 200 || status === "204" || status === "304") {
      body = Buffer.alloc(0);
    } else {
      body = rest.subarray(bodyStart);
      bodyStart = rest.length;
    }
    responses.push({ status: Number(status), headers, body });
    rest = rest.subarray(bodyStart);
  }
  return { responses, rest };
}

interface Outcome {
  label: string;
  responses: WireResponse[];
}

/** Everything on the wire is well formed: 1xx-3xx, or a 4xx in our error shape; no 5xx, no bytes that are not a response. */
function expectWellFormed(label: string, received: Buffer, timedOut: boolean): WireResponse[] {
  const { responses, rest } = parseResponses(received);
  const context = `${label} → ${received.toString("latin1").slice(0, 400)}`;
  expect(timedOut, context).toBe(false);
  expect(rest.length, context).toBe(0);
  for (const response of responses) {
    expect(response.status, context).toBeLessThan(500);
    if (response.status < 400) continue;
    expect(response.headers["content-type"], context).toMatch(/^application\/json/);
    const parsed = ErrorResponseSchema.safeParse(JSON.parse(response.body.toString("utf8")));
    expect(parsed.success, context).toBe(true);
  }
  return responses;
}

async function runAll(cases: Array<{ label: string; bytes: Buffer; halfClose?: boolean }>): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  for (let i = 0; i < cases.length; i += PARALLEL) {
    const batch = cases.slice(i, i + PARALLEL);
    const exchanged = await Promise.all(batch.map(({ bytes, halfClose }) => exchange(bytes, halfClose === undefined ? {} : { halfClose })));
    batch.forEach(({ label }, j) => outcomes.push({ label, responses: expectWellFormed(label, exchanged[j]!.received, exchanged[j]!.timedOut) }));
  }
  return outcomes;
}

const ASK_BODY = JSON.stringify({ question: "Where is verifySignature defined?" });
const request = (lines: string[], body = "") => Buffer.from(`${lines.join("\r\n")}\r\n\r\n${body}`, "latin1");
const validAsk = () => request(["POST /ask HTTP/1.1", "Host: 127.0.0.1", "Content-Type: application/json", `Content-Length: ${Buffer.byteLength(ASK_BODY)}`, "Connection: close"], ASK_BODY);

/** Hand-written attacks on the framing, each with the status it must get (undefined: any well-formed answer, or none). */
const HAND_WRITTEN: Array<{ label: string; bytes: Buffer; status?: number | number[]; halfClose?: boolean }> = [
  { label: "garbage request line", bytes: request(["GARBAGE"]), status: 400 },
  { label: "lowercase method", bytes: request(["get /healthz HTTP/1.1", "Host: x"]), status: 400 },
  { label: "unknown method", bytes: request(["FROBNICATE /ask HTTP/1.1", "Host: x"]), status: 400 },
  { label: "HTTP/9.9", bytes: request(["GET /healthz HTTP/9.9", "Host: x"]), status: 400 },
  { label: "HTTP/2 preface on HTTP/1.1", bytes: Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"), status: 400 },
  { label: "HTTP/1.1 without Host", bytes: request(["GET /healthz HTTP/1.1"]), status: 400 },
  { label: "HTTP/1.0 without Host", bytes: request(["GET /healthz HTTP/1.0"]), status: 200 },
  { label: "bare LF line endings", bytes: Buffer.from("GET /healthz HTTP/1.1\nHost: x\n\n"), status: 400 },
  { label: "header without a colon", bytes: request(["GET /healthz HTTP/1.1", "Host: x", "NoColonHere"]), status: 400 },
  { label: "space in a header name", bytes: request(["GET /healthz HTTP/1.1", "Host: x", "Bad Header: 1"]), status: 400 },
  { label: "NUL in a header value", bytes: request(["GET /healthz HTTP/1.1", "Host: x", "X-Nul: a\u0000b"]), status: 400 },
  { label: "obsolete line folding", bytes: request(["GET /healthz HTTP/1.1", "Host: x", "X-Folded: a", " continued"]), status: 400 },
  { label: "headers over 16 KiB", bytes: request(["GET /healthz HTTP/1.1", "Host: x", `X-Big: ${"a".repeat(20_000)}`]), status: 431 },
  { label: "URL over 16 KiB", bytes: request([`GET /threads/${"t".repeat(20_000)} HTTP/1.1`, "Host: x"]), status: 431 },
  { label: "raw high bytes in the URL", bytes: Buffer.concat([Buffer.from("GET /threads/"), Buffer.from([0xff, 0xfe, 0x80]), Buffer.from(" HTTP/1.1\r\nHost: x\r\n\r\n")]), status: 400 },
  { label: "path traversal in a thread id", bytes: request(["GET /threads/..%2F..%2F.env HTTP/1.1", "Host: x"]), status: 400 },
  { label: "malformed percent-encoding", bytes: request(["GET /threads/%zz HTTP/1.1", "Host: x"]), status: 400 },
  { label: "path parameter over the router's limit", bytes: request([`GET /threads/${"t".repeat(1_500)} HTTP/1.1`, "Host: x"]), status: 400 },
  { label: "absolute-form target", bytes: request(["GET http://evil.example/healthz HTTP/1.1", "Host: x"]), status: 200 },
  { label: "asterisk-form target", bytes: request(["OPTIONS * HTTP/1.1", "Host: x"]), status: 404 },
  { label: "CONNECT (no tunnel here)", bytes: request(["CONNECT 127.0.0.1:22 HTTP/1.1", "Host: 127.0.0.1:22"]) },
  { label: "websocket upgrade to a plain route", bytes: request(["GET /healthz HTTP/1.1", "Host: x", "Connection: Upgrade", "Upgrade: websocket"]), status: 200 },
  { label: "Content-Length and Transfer-Encoding", bytes: request(["POST /ask HTTP/1.1", "Host: x", "Content-Type: application/json", "Content-Length: 4", "Transfer-Encoding: chunked"], "0\r\n\r\n"), status: 400 },
  { label: "two different Content-Lengths", bytes: request(["POST /ask HTTP/1.1", "Host: x", "Content-Type: application/json", "Content-Length: 2", "Content-Length: 3"], "{}"), status: 400 },
  { label: "negative Content-Length", bytes: request(["POST /ask HTTP/1.1", "Host: x", "Content-Type: application/json", "Content-Length: -1"], "{}"), status: 400 },
  { label: "non-numeric Content-Length", bytes: request(["POST /ask HTTP/1.1", "Host: x", "Content-Type: application/json", "Content-Length: abc"], "{}"), status: 400 },
  { label: "body shorter than Content-Length", bytes: request(["POST /ask HTTP/1.1", "Host: x", "Content-Type: application/json", "Content-Length: 100"], '{"question"'), status: 400 },
  { label: "body longer than Content-Length (smuggled tail)", bytes: request(["POST /ask HTTP/1.1", "Host: x", "Content-Type: application/json", "Content-Length: 2"], "{}GET /admin HTTP/1.1\r\nHost: x\r\n\r\n"), status: [400, 404] },
  { label: "bad chunk size", bytes: request(["POST /ask HTTP/1.1", "Host: x", "Content-Type: application/json", "Transfer-Encoding: chunked"], "zz\r\n{}\r\n0\r\n\r\n"), status: 400 },
  { label: "chunked body, never finished", bytes: request(["POST /ask HTTP/1.1", "Host: x", "Content-Type: application/json", "Transfer-Encoding: chunked"], "5\r\n{\"que"), status: 400 },
  { label: "Transfer-Encoding: gzip, chunked", bytes: request(["POST /ask HTTP/1.1", "Host: x", "Content-Type: application/json", "Transfer-Encoding: gzip, chunked"], `${ASK_BODY.length.toString(16)}\r\n${ASK_BODY}\r\n0\r\n\r\n`) },
  { label: "valid chunked question", bytes: request(["POST /ask HTTP/1.1", "Host: x", "Content-Type: application/json", "Transfer-Encoding: chunked", "Connection: close"], `${ASK_BODY.length.toString(16)}\r\n${ASK_BODY}\r\n0\r\n\r\n`), status: 200, halfClose: false },
  { label: "duplicate Content-Type (the first wins)", bytes: request(["POST /ask HTTP/1.1", "Host: x", "Content-Type: text/plain", "Content-Type: application/json", `Content-Length: ${ASK_BODY.length}`], ASK_BODY), status: 400 },
  { label: "duplicate Authorization", bytes: request(["GET /threads/x HTTP/1.1", "Host: x", "Authorization: Bearer a", "Authorization: Bearer b"]), status: 404 },
  { label: "duplicate Host", bytes: request(["GET /healthz HTTP/1.1", "Host: a", "Host: b"]), status: [200, 400] },
  { label: "2,500 headers", bytes: request(["GET /healthz HTTP/1.1", "Host: x", ...Array.from({ length: 2_500 }, (_, i) => `X-H${i}: ${i}`)]), status: [200, 431] },
  { label: "Expect: 100-continue", bytes: request(["POST /ask HTTP/1.1", "Host: x", "Content-Type: application/json", "Expect: 100-continue", `Content-Length: ${ASK_BODY.length}`], ASK_BODY), status: [100, 200] },
  { label: "pipelined: a valid request then garbage", bytes: Buffer.concat([request(["GET /healthz HTTP/1.1", "Host: x"]), Buffer.from("\u0001\u0002garbage\r\n\r\n")]), status: [200, 400] },
  { label: "pipelined: three valid requests", bytes: Buffer.concat([request(["GET /healthz HTTP/1.1", "Host: x"]), request(["GET /readyz HTTP/1.1", "Host: x"]), validAsk()]), status: 200, halfClose: false },
  { label: "only CR LF", bytes: Buffer.from("\r\n\r\n\r\n") },
  { label: "nothing at all", bytes: Buffer.alloc(0) },
];

/** Seeded random inputs: bytes, plausible request heads with hostile parts, and mutations of a valid request. */
function generatedCases(count: number): Array<{ label: string; bytes: Buffer }> {
  const token = fc.stringMatching(/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,20}$/);
  const anyText = fc.string({ unit: "binary-ascii", maxLength: 60 });
  const randomBytes = fc.uint8Array({ maxLength: 1_500 }).map((bytes) => ({ label: "random bytes", bytes: Buffer.from(bytes) }));
  const randomHead = fc
    .tuple(fc.oneof(token, anyText), fc.oneof(fc.webPath(), anyText), fc.constantFrom("HTTP/1.1", "HTTP/1.0", "HTTP/1.2", "HTTP/0.9", "", "http/1.1"), fc.array(fc.tuple(fc.oneof(token, anyText), anyText), { maxLength: 6 }), anyText)
    .map(([verb, target, version, headers, body]) => ({
      label: "random head",
      bytes: Buffer.from(`${verb} ${target} ${version}\r\nHost: x\r\n${headers.map(([name, value]) => `${name}: ${value}\r\n`).join("")}\r\n${body}`, "latin1"),
    }));
  const mutatedValid = fc
    .array(fc.tuple(fc.nat(), fc.constantFrom("flip", "insert", "delete"), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 })
    .map((mutations) => {
      const bytes = [...validAsk()];
      for (const [at, kind, value] of mutations) {
        const i = at % Math.max(1, bytes.length);
        if (kind === "flip") bytes[i] = value;
        else if (kind === "insert") bytes.splice(i, 0, value);
        else bytes.splice(i, 1);
      }
      return { label: "mutated valid request", bytes: Buffer.from(bytes) };
    });
  return fc.sample(fc.oneof(randomBytes, randomHead, { weight: 2, arbitrary: mutatedValid }), { seed: SEED, numRuns: count }).map((c, i) => ({ ...c, label: `${c.label} #${i} (seed ${SEED}): ${JSON.stringify(c.bytes.toString("latin1").slice(0, 120))}` }));
}

describe("malformed HTTP on a real socket", () => {
  it("answers each hand-written framing attack in the error shape with the status it must get", async () => {
    const outcomes = await runAll(HAND_WRITTEN);
    for (const [i, { label, status }] of HAND_WRITTEN.entries()) {
      if (status === undefined) continue;
      const statuses = outcomes[i]!.responses.map((response) => response.status);
      expect(statuses.length, label).toBeGreaterThan(0);
      for (const got of statuses) expect([status].flat(), `${label}: got ${statuses.join(", ")}`).toContain(got);
    }
  }, 60_000);

  it("answers 400 random and mutated requests with nothing but well-formed responses", async () => {
    const outcomes = await runAll(generatedCases(400));
    // Most of them get an answer: the server refuses in words, it does not just hang up.
    const answered = outcomes.filter((outcome) => outcome.responses.length > 0).length;
    expect(answered).toBeGreaterThan(outcomes.length * 0.9);
  }, 60_000);

  it("answers a client too slow to send its headers 408 REQUEST_TIMEOUT in the error shape (Node checks that every 30 s, too slow to provoke here)", () => {
    const timeout = Object.assign(new Error("Request timeout"), { code: "ERR_HTTP_REQUEST_TIMEOUT" });
    const [response] = parseResponses(Buffer.from(clientErrorResponse(timeout), "latin1")).responses;
    expect(response?.status).toBe(408);
    expect(response?.headers["connection"]).toBe("close");
    expect(ErrorResponseSchema.parse(JSON.parse(response!.body.toString("utf8"))).error.code).toBe("REQUEST_TIMEOUT");
  });

  it("stays up: logged no unexpected error, and a valid question on a new connection is answered", async () => {
    expect(logLines.map((line) => JSON.parse(line) as { level: number }).filter((entry) => entry.level >= 50)).toEqual([]);
    const { received } = await exchange(validAsk(), { halfClose: false });
    const [response] = parseResponses(received).responses;
    expect(response?.status).toBe(200);
    expect(AskResultSchema.parse(JSON.parse(response!.body.toString("utf8"))).citations.length).toBeGreaterThan(0);
  });
});
