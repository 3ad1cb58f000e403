import { setTimeout as sleep } from "node:timers/promises";
import { expect } from "vitest";
import { RunEventSchema, type RunEvent } from "../../src/contract.js";
import type { AgentDefinition, StrategyContext } from "../../specialists/types.js";
import { generalSpecialist } from "../../specialists/general.js";

/** One frame of a text/event-stream body: an event (with its id, if any) or a comment line. */
export type SseFrame = { kind: "event"; event: RunEvent; id?: number } | { kind: "comment"; text: string };

/** Parses frames as they arrive; `push` takes raw chunks and returns the frames they completed. */
export function sseParser(): { push(chunk: string): SseFrame[] } {
  let buffer = "";
  return {
    push(chunk) {
      buffer += chunk;
      const frames: SseFrame[] = [];
      for (let end = buffer.indexOf("\n\n"); end >= 0; end = buffer.indexOf("\n\n")) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const fields: Record<string, string> = {};
        for (const line of block.split("\n")) {
          if (line.startsWith(":")) {
            frames.push({ kind: "comment", text: line.slice(1).trim() });
            continue;
          }
          const colon = line.indexOf(":");
          fields[line.slice(0, colon)] = line.slice(colon + 1).trimStart();
        }
        if (fields["data"] === undefined) continue;
        const event = RunEventSchema.parse(JSON.parse(fields["data"]));
        // The `event:` field always names the data's type.
        expect(fields["event"]).toBe(event.type);
        frames.push({ kind: "event", event, ...(fields["id"] !== undefined ? { id: Number(fields["id"]) } : {}) });
      }
      return frames;
    },
  };
}

/** An open event stream over real HTTP (fetch), read frame by frame. */
export interface SseConnection {
  status: number;
  headers: Headers;
  /** The body when the response is not an event stream (an error before the stream opened). */
  json?: unknown;
  /** The next frame, or undefined once the stream has ended. */
  next(): Promise<SseFrame | undefined>;
  /** Reads to the end (or until `until` returns true for an event) and returns the events with their ids. */
  events(until?: (event: RunEvent) => boolean): Promise<Array<{ id?: number; event: RunEvent }>>;
  /** Drops the connection, as a client that goes away would. */
  disconnect(): void;
}

export async function openSse(url: string, init: { method?: string; headers?: Record<string, string>; body?: unknown } = {}): Promise<SseConnection> {
  const controller = new AbortController();
  const response = await fetch(url, {
    method: init.method ?? "GET",
    headers: { ...(init.body !== undefined ? { "content-type": "application/json" } : {}), ...init.headers },
    ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
    signal: controller.signal,
  });
  if (!response.headers.get("content-type")?.startsWith("text/event-stream")) {
    const json = await response.json();
    return { status: response.status, headers: response.headers, json, next: async () => undefined, events: async () => [], disconnect: () => controller.abort() };
  }
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  const parser = sseParser();
  const queued: SseFrame[] = [];
  const next = async (): Promise<SseFrame | undefined> => {
    while (queued.length === 0) {
      const { value, done } = await reader.read().catch((error: unknown) => {
        if (controller.signal.aborted) return { value: undefined, done: true as const };
        throw error;
      });
      if (done) return undefined;
      queued.push(...parser.push(value));
    }
    return queued.shift();
  };
  return {
    status: response.status,
    headers: response.headers,
    next,
    async events(until) {
      const events: Array<{ id?: number; event: RunEvent }> = [];
      for (let frame = await next(); frame; frame = await next()) {
        if (frame.kind !== "event") continue;
        events.push({ ...(frame.id !== undefined ? { id: frame.id } : {}), event: frame.event });
        if (until?.(frame.event)) break;
      }
      return events;
    },
    disconnect: () => controller.abort(),
  };
}

/** Polls `check` until it returns a value other than undefined (vitest's waitFor, with a longer default). */
export async function eventually<T>(check: () => Promise<T | undefined> | T | undefined, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

/**
 * A specialist for tests that holds its run until the test releases it, and records what its run
 * saw: whether it started, and whether its abort signal fired. It answers like `general` once released.
 */
export interface HeldSpecialist extends AgentDefinition {
  readonly started: number;
  readonly aborted: number;
  release(): void;
  /** Holds the next runs again. */
  hold(): void;
}

export function heldSpecialist(base: AgentDefinition = generalSpecialist): HeldSpecialist {
  let open!: () => void;
  let gate = new Promise<void>((resolve) => (open = resolve));
  const state = { started: 0, aborted: 0 };
  return {
    ...base,
    get started() {
      return state.started;
    },
    get aborted() {
      return state.aborted;
    },
    release: () => open(),
    hold() {
      gate = new Promise<void>((resolve) => (open = resolve));
    },
    async gather(context: StrategyContext) {
      state.started++;
      const signal = context.signal!;
      const abortedRun = new Promise<never>((_, reject) => {
        const onAbort = () => {
          state.aborted++;
          reject(signal.reason);
        };
        if (signal.aborted) onAbort();
        else signal.addEventListener("abort", onAbort, { once: true });
      });
      abortedRun.catch(() => {});
      await Promise.race([gate, abortedRun]);
      return base.gather(context);
    },
  };
}
