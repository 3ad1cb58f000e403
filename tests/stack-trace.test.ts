import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildRepositoryIndex, type RepositoryIndex } from "../src/index/repository-index.js";
import { runTool } from "../src/tools/registry.js";
import { parseStackTrace } from "../src/tools/stack-trace.js";
import { makeTempRepo } from "./helpers/temp-repo.js";

const NODE_TRACE = `SignatureError [E_SIGNATURE_MISMATCH]: signature does not match payload
    at verifySignature (/app/src/signing/hmac.ts:6:11)
    at async handleEvent (file:///app/src/http/routes.ts:3:5)
    at Object.<anonymous> (/app/node_modules/fastify/lib/route.js:10:3)
    at node:internal/process/task_queues:95:5`;

const PYTHON_TRACE = `Traceback (most recent call last):
  File "/srv/app/worker/main.py", line 4, in <module>
    run()
  File "/srv/app/worker/delivery.py", line 3, in deliver
    raise DeliveryError("endpoint returned 500")
worker.errors.DeliveryError: endpoint returned 500`;

const GO_TRACE = `panic: runtime error: index out of range [3] with length 3

goroutine 1 [running]:
main.parseArgs(...)
	/home/ci/loadgen/main.go:4 +0x1d
main.main()
	/home/ci/loadgen/main.go:8 +0x25
exit status 2`;

const VITEST_OUTPUT = ` FAIL  tests/signing.test.ts > signs payloads
AssertionError: expected 'abc' to be 'abd' // Object.is equality
 ❯ tests/signing.test.ts:2:35`;

describe("parseStackTrace", () => {
  it("parses a Node.js trace: type, code, message and frames innermost first", () => {
    const trace = parseStackTrace(NODE_TRACE);
    expect(trace).toMatchObject({ language: "javascript", errorType: "SignatureError", errorCode: "E_SIGNATURE_MISMATCH", message: "signature does not match payload" });
    expect(trace.frames[0]).toEqual({ file: "/app/src/signing/hmac.ts", line: 6, column: 11, function: "verifySignature" });
    expect(trace.frames).toHaveLength(4);
  });

  it("parses a Python traceback and reverses it to innermost first", () => {
    const trace = parseStackTrace(PYTHON_TRACE);
    expect(trace).toMatchObject({ language: "python", errorType: "worker.errors.DeliveryError", message: "endpoint returned 500" });
    expect(trace.frames.map((f) => [f.file, f.line, f.function])).toEqual([
      ["/srv/app/worker/delivery.py", 3, "deliver"],
      ["/srv/app/worker/main.py", 4, "<module>"],
    ]);
  });

  it("parses a Go panic with function names from the line above each location", () => {
    const trace = parseStackTrace(GO_TRACE);
    expect(trace).toMatchObject({ language: "go", errorType: "panic", message: "runtime error: index out of range [3] with length 3" });
    expect(trace.frames.map((f) => [f.file, f.line, f.function])).toEqual([
      ["/home/ci/loadgen/main.go", 4, "main.parseArgs"],
      ["/home/ci/loadgen/main.go", 8, "main.main"],
    ]);
  });

  it("parses test-runner failure output", () => {
    const trace = parseStackTrace(VITEST_OUTPUT);
    expect(trace).toMatchObject({ language: "javascript", errorType: "AssertionError" });
    expect(trace.frames).toEqual([{ file: "tests/signing.test.ts", line: 2, column: 35 }]);
  });
});

describe("parseStackTrace on CI logs", () => {
  it("reads frames through GitHub Actions timestamps and vitest's function-first frames", () => {
    const log = [
      "2026-11-22T08:41:07.9313510Z  FAIL  tests/hmac.test.ts > verifySignature > accepts a signature",
      "2026-11-22T08:41:07.9423510Z SignatureExpiredError: signature timestamp is outside the tolerance window (300s)",
      "2026-11-22T08:41:07.9533510Z  ❯ verifySignature src/signing/hmac.ts:83:11",
      "2026-11-22T08:41:08.0303510Z  ❯ tests/hmac.test.ts:24:12",
      "2026-11-22T08:41:08.1583510Z ##[error]SignatureExpiredError: signature timestamp is outside the tolerance window (300s)",
    ].join("\n");
    const trace = parseStackTrace(log);
    expect(trace).toMatchObject({ language: "javascript", errorType: "SignatureExpiredError" });
    expect(trace.frames).toEqual([
      { file: "src/signing/hmac.ts", line: 83, column: 11, function: "verifySignature" },
      { file: "tests/hmac.test.ts", line: 24, column: 12 },
    ]);
  });
});

describe("parse_stack_trace tool", () => {
  let index: RepositoryIndex;
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    const repo = await makeTempRepo({
      "src/signing/hmac.ts": "// signing\n\nexport function verifySignature(a: string, b: string) {\n  const ok = a === b;\n  if (!ok) {\n    throw new SignatureError();\n  }\n  return ok;\n}\n",
      "src/http/routes.ts": "export async function handleEvent() {\n  // route\n  await verify();\n}\n",
      "worker/delivery.py": "def deliver(job):\n    # deliver\n    raise DeliveryError('endpoint returned 500')\n",
      "worker/main.py": "from worker.delivery import deliver\n\n\nrun()\n",
      "loadgen/main.go": "package main\n\nfunc parseArgs() {\n\tpanic(\"x\")\n}\n\nfunc main() {\n\tparseArgs()\n}\n",
    });
    cleanup = repo.cleanup;
    index = await buildRepositoryIndex({ root: repo.root });
  });
  afterAll(() => cleanup());

  it("maps Node frames from another machine to indexed files and their enclosing function", async () => {
    const result = await runTool(index, "parse_stack_trace", { text: NODE_TRACE });
    const frames = result.details?.frames as Array<Record<string, unknown>>;
    expect(frames[0]).toMatchObject({ mappedPath: "src/signing/hmac.ts", symbol: "verifySignature", inRepository: true });
    expect(frames[1]).toMatchObject({ mappedPath: "src/http/routes.ts", symbol: "handleEvent" });
    expect(frames[2]).toMatchObject({ inRepository: false }); // node_modules
    expect(frames[3]).toMatchObject({ inRepository: false }); // node internals
    expect(result.evidence[0]).toMatchObject({ path: "src/signing/hmac.ts", kind: "stack_frame", startLine: 3, endLine: 9 });
    expect(result.evidence[0]!.text).toContain("throw new SignatureError");
  });

  it("maps Python and Go frames", async () => {
    const python = await runTool(index, "parse_stack_trace", { text: PYTHON_TRACE });
    expect(python.evidence.map((e) => e.path)).toEqual(["worker/delivery.py", "worker/main.py"]);
    const go = await runTool(index, "parse_stack_trace", { text: GO_TRACE });
    expect(go.evidence[0]).toMatchObject({ path: "loadgen/main.go", symbol: "parseArgs" });
  });
});
