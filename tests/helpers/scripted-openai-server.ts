import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A real OpenAI-compatible HTTP server for tests: `POST /v1/chat/completions` replays a script of
 * replies (completions, tool calls, HTTP errors, malformed JSON, hangs) and records every request,
 * so tests can drive ChatOpenAI end to end and assert what went over the wire.
 *
 * Replies are taken from a queue of steps. A step with `when` is only taken by a request it
 * matches, so parallel callers (a fan-out to two specialists) each get their own replies whatever
 * order their requests arrive in. A request no step matches gets a 500 and is recorded in
 * `unmatched`, which tests assert is empty.
 */

export interface TokenUsage {
  prompt_tokens: number;
  completion_tokens: number;
}

export interface ScriptedToolCall {
  name: string;
  /** An object is JSON-encoded; a string is sent as is (to script arguments that are not JSON). */
  arguments: unknown;
  id?: string;
}

export type ScriptedReply =
  | { kind: "text"; content: string; usage?: TokenUsage }
  | { kind: "tool_calls"; calls: ScriptedToolCall[]; content?: string; usage?: TokenUsage }
  | { kind: "http_error"; status: number; body?: unknown; headers?: Record<string, string> }
  | { kind: "malformed_json" }
  | { kind: "hang" };

/** One chat completion request as the server received it. */
export interface RecordedRequest {
  path: string;
  headers: IncomingMessage["headers"];
  body: ChatCompletionRequest;
}

export interface WireMessage {
  role: "system" | "user" | "assistant" | "tool" | "developer";
  content: string | null | Array<{ type: string; text?: string }>;
  tool_calls?: Array<{ id: string; type: "function"; function: { name: string; arguments: string } }>;
  tool_call_id?: string;
}

export interface WireTool {
  type: "function";
  function: { name: string; description?: string; parameters?: Record<string, unknown>; strict?: boolean };
}

export interface ChatCompletionRequest {
  model: string;
  messages: WireMessage[];
  tools?: WireTool[];
  tool_choice?: unknown;
  stream?: boolean;
  stream_options?: { include_usage?: boolean };
  [key: string]: unknown;
}

export interface ScriptStep {
  /** Only requests this returns true for may take the step; without it, any request may. */
  when?: (request: RecordedRequest) => boolean;
  /** What to answer: a reply, or a function of the request that makes one. */
  reply: ScriptedReply | ((request: RecordedRequest) => ScriptedReply);
  /** Label for failure messages. */
  label?: string;
}

export const DEFAULT_USAGE: TokenUsage = { prompt_tokens: 100, completion_tokens: 20 };

/** Reply builders, so scripts read like the conversation they replay. */
export const reply = {
  text: (content: string, usage: TokenUsage = DEFAULT_USAGE): ScriptedReply => ({ kind: "text", content, usage }),
  toolCalls: (calls: ScriptedToolCall[], usage: TokenUsage = DEFAULT_USAGE): ScriptedReply => ({ kind: "tool_calls", calls, usage }),
  toolCall: (name: string, args: unknown, usage: TokenUsage = DEFAULT_USAGE): ScriptedReply => ({ kind: "tool_calls", calls: [{ name, arguments: args }], usage }),
  error: (status: number, body: unknown = { error: { message: `scripted ${status}`, type: "server_error" } }, headers: Record<string, string> = {}): ScriptedReply => ({
    kind: "http_error",
    status,
    body,
    headers,
  }),
  malformedJson: (): ScriptedReply => ({ kind: "malformed_json" }),
  hang: (): ScriptedReply => ({ kind: "hang" }),
};

/** Text of a wire message, whether content is a string or a list of parts. */
export function contentText(message: WireMessage | undefined): string {
  if (!message || message.content == null) return "";
  if (typeof message.content === "string") return message.content;
  return message.content.map((part) => part.text ?? "").join("");
}

export function systemPromptOf(request: RecordedRequest): string {
  return request.body.messages.filter((m) => m.role === "system" || m.role === "developer").map(contentText).join("\n");
}

/** Request matchers for `when`. */
export const match = {
  /** The structured-output router call: it forces the route_question function. */
  router: (request: RecordedRequest) => toolChoiceName(request) === "route_question",
  /** A call whose system prompt contains `text` (specialists are told apart by their prompts). */
  systemPromptIncludes: (text: string) => (request: RecordedRequest) => systemPromptOf(request).includes(text),
  model: (name: string) => (request: RecordedRequest) => request.body.model === name,
  and:
    (...predicates: Array<(request: RecordedRequest) => boolean>) =>
    (request: RecordedRequest) =>
      predicates.every((p) => p(request)),
};

/**
 * What a test's script left over, then a clean slate for the next test: the requests no step
 * matched (by the start of their system prompt) and the steps never taken.
 */
export function drainScript(server: ScriptedOpenAIServer): { unmatched: string[]; pending: string[] } {
  const leftOver = { unmatched: server.unmatched.map((request) => systemPromptOf(request).slice(0, 80)), pending: server.pending() };
  server.reset();
  return leftOver;
}

export function toolChoiceName(request: RecordedRequest): string | undefined {
  const choice = request.body.tool_choice as { function?: { name?: string } } | string | undefined;
  return typeof choice === "object" ? choice?.function?.name : undefined;
}

export interface ScriptedOpenAIServer {
  /** Base URL without the `/v1` suffix, e.g. http://127.0.0.1:41234. */
  readonly url: string;
  readonly requests: RecordedRequest[];
  /** Requests no script step matched (answered with a 500). */
  readonly unmatched: RecordedRequest[];
  /** Appends steps to the script. */
  script(...steps: Array<ScriptStep | ScriptedReply>): void;
  /** Steps not yet taken, by label or index. */
  pending(): string[];
  /** Forgets requests and remaining steps between tests. */
  reset(): void;
  close(): Promise<void>;
}

let completionCounter = 0;

function isStep(step: ScriptStep | ScriptedReply): step is ScriptStep {
  return "reply" in step;
}

function toolCallsOnWire(calls: ScriptedToolCall[]) {
  return calls.map((call, i) => ({
    id: call.id ?? `call_${++completionCounter}_${i}`,
    type: "function" as const,
    function: { name: call.name, arguments: typeof call.arguments === "string" ? call.arguments : JSON.stringify(call.arguments) },
  }));
}

function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  response.writeHead(status, { "content-type": "application/json", ...headers });
  response.end(typeof body === "string" ? body : JSON.stringify(body));
}

function completionBody(request: RecordedRequest, scripted: Extract<ScriptedReply, { kind: "text" | "tool_calls" }>) {
  const usage = scripted.usage ?? DEFAULT_USAGE;
  const toolCalls = scripted.kind === "tool_calls" ? toolCallsOnWire(scripted.calls) : undefined;
  return {
    id: `chatcmpl-${++completionCounter}`,
    object: "chat.completion",
    created: Math.floor(Date.now() / 1000),
    model: request.body.model,
    choices: [
      {
        index: 0,
        message: {
          role: "assistant",
          content: scripted.kind === "text" ? scripted.content : (scripted.content ?? null),
          ...(toolCalls ? { tool_calls: toolCalls } : {}),
        },
        finish_reason: toolCalls ? "tool_calls" : "stop",
        logprobs: null,
      },
    ],
    usage: { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens },
  };
}

/** The same completion as server-sent chunks, with a usage chunk when the client asked for one. */
function sendStream(response: ServerResponse, request: RecordedRequest, scripted: Extract<ScriptedReply, { kind: "text" | "tool_calls" }>): void {
  const full = completionBody(request, scripted);
  const base = { id: full.id, object: "chat.completion.chunk", created: full.created, model: full.model };
  const message = full.choices[0]!.message;
  const chunks: unknown[] = [{ ...base, choices: [{ index: 0, delta: { role: "assistant", content: "" }, finish_reason: null }] }];
  if (message.content) {
    // Two pieces, so a client that mishandles concatenation shows up in the answer.
    const middle = Math.ceil(message.content.length / 2);
    for (const piece of [message.content.slice(0, middle), message.content.slice(middle)]) {
      if (piece) chunks.push({ ...base, choices: [{ index: 0, delta: { content: piece }, finish_reason: null }] });
    }
  }
  (message.tool_calls ?? []).forEach((call, index) => {
    chunks.push({ ...base, choices: [{ index: 0, delta: { tool_calls: [{ index, id: call.id, type: "function", function: { name: call.function.name, arguments: "" } }] }, finish_reason: null }] });
    chunks.push({ ...base, choices: [{ index: 0, delta: { tool_calls: [{ index, function: { arguments: call.function.arguments } }] }, finish_reason: null }] });
  });
  chunks.push({ ...base, choices: [{ index: 0, delta: {}, finish_reason: full.choices[0]!.finish_reason }] });
  if (request.body.stream_options?.include_usage) chunks.push({ ...base, choices: [], usage: full.usage });
  response.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", connection: "keep-alive" });
  for (const chunk of chunks) response.write(`data: ${JSON.stringify(chunk)}\n\n`);
  response.end("data: [DONE]\n\n");
}

async function readBody(request: IncomingMessage): Promise<string> {
  const parts: Buffer[] = [];
  for await (const part of request) parts.push(part as Buffer);
  return Buffer.concat(parts).toString("utf8");
}

export async function startScriptedOpenAIServer(): Promise<ScriptedOpenAIServer> {
  const requests: RecordedRequest[] = [];
  const unmatched: RecordedRequest[] = [];
  let steps: ScriptStep[] = [];

  const server = createServer(async (incoming, response) => {
    const path = (incoming.url ?? "").split("?")[0]!;
    if (incoming.method !== "POST" || (path !== "/v1/chat/completions" && path !== "/chat/completions")) {
      sendJson(response, 404, { error: { message: `no route ${incoming.method} ${path}`, type: "invalid_request_error" } });
      return;
    }
    let body: ChatCompletionRequest;
    try {
      body = JSON.parse(await readBody(incoming)) as ChatCompletionRequest;
    } catch {
      sendJson(response, 400, { error: { message: "request body is not JSON", type: "invalid_request_error" } });
      return;
    }
    const recorded: RecordedRequest = { path, headers: incoming.headers, body };
    requests.push(recorded);
    const index = steps.findIndex((step) => !step.when || step.when(recorded));
    if (index < 0) {
      unmatched.push(recorded);
      sendJson(response, 500, { error: { message: "scripted server: no script step matches this request", type: "server_error" } });
      return;
    }
    const [step] = steps.splice(index, 1);
    const scripted = typeof step!.reply === "function" ? step!.reply(recorded) : step!.reply;
    switch (scripted.kind) {
      case "text":
      case "tool_calls":
        if (body.stream) sendStream(response, recorded, scripted);
        else sendJson(response, 200, completionBody(recorded, scripted));
        return;
      case "http_error":
        sendJson(response, scripted.status, scripted.body ?? {}, scripted.headers);
        return;
      case "malformed_json":
        sendJson(response, 200, '{"id": "chatcmpl-broken", "object": "chat.completion", "choices": [{"index": 0, "message": {"role": "assist');
        return;
      case "hang":
        return; // never answered; close() destroys the socket
    }
  });

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    unmatched,
    script(...added) {
      steps.push(...added.map((step) => (isStep(step) ? step : { reply: step })));
    },
    pending: () => steps.map((step, i) => step.label ?? `step ${i}`),
    reset() {
      requests.length = 0;
      unmatched.length = 0;
      steps = [];
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

/** The environment that points the service's OpenAI provider at a scripted server. */
export function scriptedOpenAIEnv(server: ScriptedOpenAIServer, indexCacheDir: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    OPENAI_API_KEY: "test-key",
    OPENAI_BASE_URL: `${server.url}/v1`,
    ROUTER_MODEL: "gpt-4o-mini",
    SPECIALIST_MODEL: "gpt-4o-mini",
    SYNTHESIS_MODEL: "gpt-4o",
    INDEX_CACHE_DIR: indexCacheDir,
    MODEL_MAX_RETRIES: "2",
    ...extra,
  };
}

/** Messages of one role in a recorded request. */
export function messagesOf(request: RecordedRequest, role: WireMessage["role"]): WireMessage[] {
  return request.body.messages.filter((m) => m.role === role);
}

/** `<evidence path=".." lines="a-b">` headers in a text, in order. */
export function evidenceHeaders(text: string): Array<{ path: string; startLine: number; endLine: number }> {
  return [...text.matchAll(/<evidence path="([^"]+)" lines="(\d+)-(\d+)"/g)].map((m) => ({ path: m[1]!, startLine: Number(m[2]), endLine: Number(m[3]) }));
}
