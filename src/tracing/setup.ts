import { context, propagation, trace } from "@opentelemetry/api";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import type { ReadableSpan, SpanExporter, SpanProcessor } from "@opentelemetry/sdk-trace-base";
import { NodeTracerProvider } from "@opentelemetry/sdk-trace-node";
import { LangfuseSpanProcessor } from "@langfuse/otel";
import { LANGFUSE_SDK_VERSION } from "@langfuse/core";
import { setLangfuseTracerProvider } from "@langfuse/tracing";
import type { AppConfig } from "../config.js";
import { HealthTrackingExporter, RateLimitedLog, type ExportHealth } from "./export-health.js";
import { RecentSpansExporter } from "./recent-spans.js";
import { RedactingExporter } from "./redacting-exporter.js";
import { maskSpanData } from "./redaction.js";
import { LANGFUSE_CLOUD_URL, traceLink } from "./trace-link.js";

/**
 * Registers the one OpenTelemetry tracer provider of the process. Every observation the service
 * opens (src/tracing/spans.ts) and every model call the LangChain handler records becomes a span
 * here. With Langfuse keys, spans are exported to Langfuse in background batches; with or without
 * them, the most recent spans are kept in memory. Tracing never fails or slows a request: export
 * errors are counted and logged, not raised.
 */

export type TracingConfig = AppConfig["tracing"];

export interface TracingOptions {
  /** Replaces the OTLP exporter to Langfuse, e.g. an InMemorySpanExporter in tests. */
  exporter?: SpanExporter;
  /** "batched" (default) exports in the background; "immediate" exports each span as it ends (tests). */
  exportMode?: "batched" | "immediate";
  /** Time one export request to Langfuse may take, retries included. */
  exportTimeoutMs?: number;
  /** How many finished spans to keep in memory. */
  recentSpans?: number;
  /** Where export problems are reported; stderr by default. */
  log?: (line: string) => void;
  /** Where TRACE_CONSOLE prints finished traces; stderr by default. */
  print?: (text: string) => void;
}

export type TraceDestination = "langfuse" | "exporter" | "memory";

export interface TracingStatus {
  /** Where finished spans go besides the in-memory ring. */
  destination: TraceDestination;
  /** The Langfuse base URL spans are sent to, when they are. */
  langfuseUrl?: string;
  export: ExportHealth;
  /** Finished spans held in memory now. */
  recentSpans: number;
}

export interface Tracing {
  status(): TracingStatus;
  /** Finished spans kept in memory, oldest first; of one trace when `traceId` is given. */
  recentSpans(traceId?: string): ReadableSpan[];
  /** The trace's page in Langfuse, or undefined when traces are not sent to Langfuse. */
  traceUrl(traceId: string): string | undefined;
}

const DEFAULT_EXPORT_TIMEOUT_MS = 5_000;
const DEFAULT_RECENT_SPANS = 500;
/** Export in batches of up to this many spans, at least this often: traces show up within seconds. */
const FLUSH_AT_SPANS = 256;
const FLUSH_INTERVAL_SECONDS = 2;
const ERROR_LOG_INTERVAL_MS = 60_000;
export const DEFAULT_SHUTDOWN_TIMEOUT_MS = 5_000;

interface ActiveTracing extends Tracing {
  provider: NodeTracerProvider;
}

let active: ActiveTracing | undefined;

const writeToStderr = (line: string) => void process.stderr.write(`${line}\n`);

function langfuseExporter(config: TracingConfig, baseUrl: string, timeoutMs: number): SpanExporter {
  // What LangfuseSpanProcessor builds when given no exporter, built here so it can be wrapped.
  const credentials = Buffer.from(`${config.publicKey}:${config.secretKey}`).toString("base64");
  return new OTLPTraceExporter({
    url: `${baseUrl}/api/public/otel/v1/traces`,
    headers: {
      Authorization: `Basic ${credentials}`,
      "x-langfuse-sdk-name": "javascript",
      "x-langfuse-sdk-version": LANGFUSE_SDK_VERSION,
      "x-langfuse-public-key": config.publicKey ?? "",
    },
    timeoutMillis: timeoutMs,
  });
}

function langfuseProcessor(exporter: SpanExporter, exportMode: "batched" | "immediate", config: TracingConfig): SpanProcessor {
  return new LangfuseSpanProcessor({
    exporter: new RedactingExporter(exporter),
    exportMode,
    flushAt: FLUSH_AT_SPANS,
    flushInterval: FLUSH_INTERVAL_SECONDS,
    mask: maskSpanData,
    // Our spans carry text, not media; uploads would go to an S3 endpoint the service may not reach.
    mediaUploadEnabled: false,
    ...(config.environment ? { environment: config.environment } : {}),
  });
}

/**
 * Registers tracing for the process. Idempotent: while tracing is active, later calls return it
 * unchanged (so createServices can call it and a test can install its exporter first).
 */
export function initTracing(config: TracingConfig, options: TracingOptions = {}): Tracing {
  if (active) return active;
  const log = new RateLimitedLog(options.log ?? writeToStderr, ERROR_LOG_INTERVAL_MS);
  const sendsToLangfuse = Boolean(config.publicKey && config.secretKey);
  const baseUrl = (config.baseUrl ?? LANGFUSE_CLOUD_URL).replace(/\/+$/, "");
  const remote = options.exporter ?? (sendsToLangfuse ? langfuseExporter(config, baseUrl, options.exportTimeoutMs ?? DEFAULT_EXPORT_TIMEOUT_MS) : undefined);
  const destination: TraceDestination = options.exporter ? "exporter" : sendsToLangfuse ? "langfuse" : "memory";
  const tracked = remote ? new HealthTrackingExporter(remote, log, destination === "langfuse" ? baseUrl : "the configured exporter") : undefined;
  const recent = new RecentSpansExporter(options.recentSpans ?? DEFAULT_RECENT_SPANS, config.console ? (options.print ?? writeToStderr) : undefined);

  const provider = new NodeTracerProvider({
    spanProcessors: [
      ...(tracked ? [langfuseProcessor(tracked, options.exportMode ?? "batched", config)] : []),
      langfuseProcessor(recent, "immediate", config),
    ],
  });
  // Registering installs the AsyncLocalStorage context manager that makes observations nest.
  provider.register();
  setLangfuseTracerProvider(provider);

  const linkSettings = { baseUrl, ...(config.uiUrl ? { uiUrl: config.uiUrl } : {}), ...(config.projectId ? { projectId: config.projectId } : {}) };
  active = {
    provider,
    status: () => ({
      destination,
      ...(destination === "langfuse" ? { langfuseUrl: baseUrl } : {}),
      export: { ...(tracked?.health ?? { exportedSpans: 0, failedExports: 0, failedSpans: 0 }) },
      recentSpans: recent.finished().length,
    }),
    recentSpans: (traceId) => recent.finished(traceId),
    traceUrl: (traceId) => (sendsToLangfuse ? traceLink(linkSettings, traceId) : undefined),
  };
  return active;
}

/** The active tracing, if initTracing has been called. */
export function currentTracing(): Tracing | undefined {
  return active;
}

/** Where a trace can be opened in Langfuse; undefined when tracing is off or not sent to Langfuse. */
export function traceUrlOf(traceId: string): string | undefined {
  return active?.traceUrl(traceId);
}

/** Resolves true when `work` settles within `ms`, false when the time runs out first. */
async function settlesWithin(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
    timer.unref();
  });
  try {
    return await Promise.race([work.then(() => true, () => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Exports every finished span now (the end of a harness run, before reading spans in a test).
 * Bounded: resolves false if the export did not finish in time (Langfuse down or slow).
 */
export async function flushTracing(timeoutMs = DEFAULT_SHUTDOWN_TIMEOUT_MS): Promise<boolean> {
  return active ? settlesWithin(active.provider.forceFlush(), timeoutMs) : true;
}

/**
 * Flushes and shuts the provider down (on SIGTERM, at the end of a process), bounded in time, and
 * unregisters it so initTracing can start afresh. Safe to call when tracing is off or already shut.
 */
export async function shutdownTracing(timeoutMs = DEFAULT_SHUTDOWN_TIMEOUT_MS): Promise<boolean> {
  const current = active;
  if (!current) return true;
  active = undefined;
  const finished = await settlesWithin(current.provider.shutdown(), timeoutMs);
  setLangfuseTracerProvider(null);
  trace.disable();
  context.disable();
  propagation.disable();
  return finished;
}
