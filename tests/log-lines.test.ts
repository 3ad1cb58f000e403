import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildRepositoryIndex, type RepositoryIndex } from "../src/index/repository-index.js";
import { formatPatterns, loggerFiles, pastedLines, printedBy as printedByRaw } from "../src/tools/log-lines.js";
import { runTool } from "../src/tools/registry.js";
import { makeTempRepo } from "./helpers/temp-repo.js";

const printedBy = (source: string, lines: string[]) => printedByRaw(source, pastedLines(lines.join("\n")));

describe("format strings", () => {
  it.each([
    ["Python %-format", `log.warning("delivery %s failed on attempt %d/%d, moving on: %s", job.id, n, m, exc)`, "delivery dlv_42 failed on attempt 8/8, moving on: [E_X] boom"],
    ["Python %(name)s", `logger.info("cache %(name)s evicted %(count)d entries", {...})`, "cache users evicted 120 entries"],
    ["f-string", `log.error(f"endpoint {job.endpoint_id!r} answered HTTP {status}: {body[:200]}")`, "endpoint 'ep_9' answered HTTP 502: <html>"],
    ["JavaScript template literal", "throw new Error(`could not enqueue ${jobs.length} deliveries to ${this.queue}`);", '{"message":"could not enqueue 2 deliveries to hookrelay:deliveries"}'],
    ["slf4j braces", `LOG.warn("Order {} rejected by payment gateway after {} ms", id, ms);`, "WARN  c.e.OrderService - Order 991 rejected by payment gateway after 1500 ms"],
    ["Go printf", `log.Printf("worker %d: lost lease on job %q, requeueing", id, job)`, `2026/11/21 10:00:01 worker 3: lost lease on job "j-7", requeueing`],
  ])("%s matches the line it prints", (_name, source, printed) => {
    expect(printedBy(source, [printed])).toBe(true);
  });

  it("does not match a different message, or one whose static text is reordered", () => {
    const source = `log.warning("delivery %s rejected permanently: %s", job.id, exc)`;
    expect(printedBy(source, ["delivery dlv_1 failed on attempt 2/8: timeout"])).toBe(false);
    expect(printedBy(source, ["rejected permanently: delivery dlv_1"])).toBe(false);
  });

  it("ignores literals too short or too identifier-like to identify a call", () => {
    expect(formatPatterns(`log.info("done: %s", x)`)).toEqual([]);
    expect(formatPatterns(`readInt(env, "RATE_LIMIT_PER_SECOND", 50)`)).toEqual([]);
    expect(formatPatterns(`const url = "https://example.com/a/b/c/d"`)).toEqual([]);
    expect(printedBy("const x = computeTotal(order)", ["anything at all printed here"])).toBe(false);
  });
});

describe("logger names and search_errors on pasted log lines", () => {
  let repo: Awaited<ReturnType<typeof makeTempRepo>>;
  let index: RepositoryIndex;

  beforeAll(async () => {
    repo = await makeTempRepo({
      "billing/billing_worker/invoices.py": [
        "import logging",
        "log = logging.getLogger(__name__)",
        "",
        "def close_invoice(invoice):",
        "    if invoice.total < 0:",
        '        log.warning("invoice %s has a negative total, skipping the ledger entry", invoice.id)',
        "        return None",
        "    return invoice",
      ].join("\n"),
      "billing/billing_worker/ledger.py": 'def post(entry):\n    """Writes one ledger entry."""\n    return entry\n',
      "service/src/main/java/com/acme/shop/OrderService.java": [
        "package com.acme.shop;",
        "public class OrderService {",
        "  void reject(String id) {",
        '    LOG.warn("Order {} rejected by the payment gateway", id);',
        "  }",
        "}",
      ].join("\n"),
      "invoices.py": "# an unrelated top-level module with the same file name\nTOTAL = 0\n",
      "logs/old-run.log": "2026-11-20 WARNING billing_worker.invoices: invoice inv_1 has a negative total, skipping the ledger entry\n",
    });
    index = await buildRepositoryIndex({ root: repo.root });
  });
  afterAll(() => repo?.cleanup());

  it("maps a Python logger or a Java class name to its module file, and nothing else", () => {
    expect(loggerFiles(index, "2026-11-21 10:22:02,871 WARNING [t1] billing_worker.invoices: invoice inv_9 …")).toEqual(["billing/billing_worker/invoices.py"]);
    expect(loggerFiles(index, "10:00:01 WARN com.acme.shop.OrderService - Order 17 rejected")).toEqual(["service/src/main/java/com/acme/shop/OrderService.java"]);
    // Dotted words that name no file (hosts, versions, attribute access) map to nothing.
    expect(loggerFiles(index, "GET example.com/invoices failed on node v20.1 (self.invoices.total)")).toEqual([]);
  });

  it("finds the logging call that printed a pasted line, not the saved log that repeats it", async () => {
    const pasted = "2026-11-21 10:22:02,871 WARNING [delivery_5] billing_worker.invoices: invoice inv_8812 has a negative total, skipping the ledger entry\nwhy does this keep happening?";
    const { evidence, details } = await runTool(index, "search_errors", { text: pasted });
    const sites = (details as { sites: Array<{ path: string; line: number; role: string }> }).sites;
    expect(sites[0]).toMatchObject({ path: "billing/billing_worker/invoices.py", line: 6, role: "template" });
    expect(sites.filter((site) => site.role === "template").map((site) => site.path)).toEqual(["billing/billing_worker/invoices.py"]);
    expect(evidence[0]).toMatchObject({ path: "billing/billing_worker/invoices.py", kind: "error_site", symbol: "close_invoice" });
  });
});
