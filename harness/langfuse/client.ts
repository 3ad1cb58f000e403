import { LangfuseClient } from "@langfuse/client";
import {
  LangfuseAPIError,
  LangfuseAPITimeoutError,
  type CreateDatasetItemRequest,
  type CreateDatasetRequest,
  type CreateDatasetRunItemRequest,
  type CreateScoreRequest,
} from "@langfuse/core";
import { z } from "zod";
import type { LangfuseSettings } from "./settings.js";

/**
 * The four calls the harness makes, through `LangfuseClient.api` (the SDK's typed public-API
 * client) with a bounded timeout and retry count on every request:
 *
 * | call                | endpoint                               | why this one                                        |
 * |---------------------|----------------------------------------|-----------------------------------------------------|
 * | createDataset       | POST /api/public/v2/datasets           | upserts by name                                     |
 * | upsertDatasetItem   | POST /api/public/dataset-items         | upserts by id (what `dataset.createItem` calls)     |
 * | linkDatasetRunItem  | POST /api/public/dataset-run-items     | links an existing trace; creates the run by name    |
 * | createScore         | POST /api/public/scores                | trace and dataset-run scores; errors reach us       |
 *
 * plus `probe`, a GET /api/public/health before the first of them (see below).
 *
 * Scores do not go through `langfuse.score.create()`: its queue sends `/api/public/ingestion`
 * batches and only logs failures, so the harness could not say which scores were lost.
 */
export interface LangfuseApi {
  readonly baseUrl: string;
  /** Null when Langfuse answers HTTP at all (any status); otherwise why it cannot be reached. */
  probe(): Promise<LangfuseFailure | null>;
  createDataset(request: CreateDatasetRequest): Promise<void>;
  upsertDatasetItem(request: CreateDatasetItemRequest): Promise<void>;
  linkDatasetRunItem(request: CreateDatasetRunItemRequest): Promise<{ datasetRunId: string }>;
  createScore(request: CreateScoreRequest): Promise<void>;
}

/** Only the field the harness relies on; Langfuse's answer is validated, not trusted. */
const DatasetRunItemResponseSchema = z.object({ datasetRunId: z.string().min(1) });

export function connectLangfuse(settings: LangfuseSettings): LangfuseApi {
  const client = new LangfuseClient({ publicKey: settings.publicKey, secretKey: settings.secretKey, baseUrl: settings.baseUrl });
  const requestOptions = { timeoutInSeconds: settings.requestTimeoutMs / 1000, maxRetries: settings.maxRetries };
  return {
    baseUrl: settings.baseUrl,
    async probe() {
      // Plain fetch, not client.api.health: @langfuse/core 5.11 does not clear a request's timeout
      // timer when the connection fails, which would keep the CLI alive for requestTimeoutMs after
      // its last line. An unreachable Langfuse is found here, before any SDK request is made.
      try {
        const response = await fetch(`${settings.baseUrl}/api/public/health`, { signal: AbortSignal.timeout(settings.requestTimeoutMs) });
        await response.body?.cancel();
        return null;
      } catch (error) {
        if ((error as Error).name === "TimeoutError") return { message: `no answer from ${settings.baseUrl} within ${settings.requestTimeoutMs} ms`, fatal: true };
        const cause = (error as { cause?: { message?: string } }).cause?.message ?? (error as Error).message;
        return { message: `${settings.baseUrl} is unreachable (${cause})`, fatal: true };
      }
    },
    async createDataset(request) {
      await client.api.datasets.create(request, requestOptions);
    },
    async upsertDatasetItem(request) {
      // dataset.createItem() would do the same call, plus media uploads we never need, without a timeout.
      await client.api.datasetItems.create(request, requestOptions);
    },
    async linkDatasetRunItem(request) {
      const response: unknown = await client.api.datasetRunItems.create(request, requestOptions);
      const parsed = DatasetRunItemResponseSchema.safeParse(response);
      if (!parsed.success) throw new Error("Langfuse answered POST /api/public/dataset-run-items without a datasetRunId");
      return parsed.data;
    },
    async createScore(request) {
      await client.api.scores.create(request, requestOptions);
    },
  };
}

export interface LangfuseFailure {
  message: string;
  /** Nothing further can succeed (keys rejected, server unreachable): stop sending. */
  fatal: boolean;
}

const MAX_BODY_CHARS = 200;

/** One line about a failed request, without credentials (the SDK's errors never carry headers). */
export function describeLangfuseFailure(error: unknown, baseUrl: string): LangfuseFailure {
  if (error instanceof LangfuseAPITimeoutError) return { message: `no answer from ${baseUrl} in time`, fatal: false };
  if (error instanceof LangfuseAPIError) {
    const status = error.statusCode;
    if (status === undefined) return { message: `${baseUrl} is unreachable (${firstLine(error.message)})`, fatal: true };
    if (status === 401 || status === 403) {
      return { message: `${baseUrl} rejected the keys (HTTP ${status}); check LANGFUSE_PUBLIC_KEY and LANGFUSE_SECRET_KEY`, fatal: true };
    }
    return { message: `HTTP ${status}${bodyText(error.body)}`, fatal: false };
  }
  return { message: error instanceof Error ? error.message : String(error), fatal: false };
}

function firstLine(text: string): string {
  return text.split("\n")[0] ?? text;
}

function bodyText(body: unknown): string {
  if (body === undefined || body === null || body === "") return "";
  const text = typeof body === "string" ? body : JSON.stringify(body);
  return `: ${text.length > MAX_BODY_CHARS ? `${text.slice(0, MAX_BODY_CHARS)}…` : text}`;
}
