import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { AIMessage, HumanMessage, SystemMessage, ToolMessage, type BaseMessage } from "@langchain/core/messages";
import type { Callbacks } from "@langchain/core/callbacks/manager";
import { z } from "zod";
import type { ModelPrices } from "../../config.js";
import { addUsage, ZERO_USAGE, type Usage } from "../../contract.js";
import { TOOLS } from "../../tools/registry.js";
import type { ToolSession } from "../../tools/session.js";
import type { ToolName } from "../../tools/tool.js";
import type { ModelCallCache } from "../model-call-cache.js";
import { usageOf } from "../pricing.js";
import { DATA_POLICY, escapeAttribute, escapeEvidenceText, formatEvidence } from "./evidence-format.js";
import { openAIToolDefinition } from "./tool-definitions.js";

export interface PriorTurn {
  question: string;
  answer: string;
}

export interface ToolAgentInput {
  model: BaseChatModel;
  modelName: string;
  prices: ModelPrices;
  systemPrompt: string;
  question: string;
  history: readonly PriorTurn[];
  tools: ToolSession;
  maxSteps: number;
  signal?: AbortSignal;
  callbacks?: Callbacks;
  cache?: { store: ModelCallCache; repeat: number };
}

export interface ToolAgentResult {
  answer: string;
  usage: Usage;
  model: string;
  steps: number;
}

/** A model reply as cached: text, tool calls and token counts. */
const CachedReplySchema = z.object({
  content: z.string(),
  toolCalls: z.array(
    z.object({
      id: z.string(),
      name: z.string(),
      args: z.record(z.string(), z.unknown()),
      /** The raw arguments of a call whose arguments were not a JSON object; it is answered with an error, not run. */
      invalidArguments: z.string().optional(),
    }),
  ),
  inputTokens: z.number(),
  outputTokens: z.number(),
});
type CachedReply = z.infer<typeof CachedReplySchema>;
type ToolCallReply = CachedReply["toolCalls"][number];

function textOf(message: AIMessage): string {
  if (typeof message.content === "string") return message.content;
  return message.content.map((part) => ("text" in part && typeof part.text === "string" ? part.text : "")).join("");
}

/**
 * A reply in the cacheable shape. Calls whose arguments did not parse as JSON arrive in
 * `invalid_tool_calls`; they are kept, because the API requires every call id in an assistant
 * message to be answered by a tool message, and the model needs to hear that its call failed.
 */
function toReply(message: AIMessage): CachedReply {
  const valid: ToolCallReply[] = (message.tool_calls ?? []).map((call, i) => ({ id: call.id ?? `call_${i}`, name: call.name, args: call.args as Record<string, unknown> }));
  const invalid: ToolCallReply[] = (message.invalid_tool_calls ?? []).map((call, i) => ({
    id: call.id ?? `invalid_call_${i}`,
    name: call.name ?? "unknown",
    args: {},
    invalidArguments: call.args ?? "",
  }));
  return {
    content: textOf(message),
    toolCalls: [...valid, ...invalid],
    inputTokens: message.usage_metadata?.input_tokens ?? 0,
    outputTokens: message.usage_metadata?.output_tokens ?? 0,
  };
}

function fromReply(reply: CachedReply): AIMessage {
  return new AIMessage({ content: reply.content, tool_calls: reply.toolCalls.map((c) => ({ id: c.id, name: c.name, args: c.args, type: "tool_call" as const })) });
}

/** Runs one tool call of the model and renders its result as the content of the tool message. */
async function toolResultFor(call: ToolCallReply, tools: ToolSession): Promise<string> {
  const tag = `tool_result tool="${escapeAttribute(call.name)}"`;
  if (call.invalidArguments !== undefined) {
    return `<${tag} status="error">the arguments were not valid JSON; call ${escapeEvidenceText(call.name)} again with a JSON object that matches its parameters</tool_result>`;
  }
  const outcome = Object.hasOwn(TOOLS, call.name) ? await tools.call(call.name as ToolName, call.args) : ({ ok: false, error: `unknown tool ${call.name}; available: ${tools.allowed.join(", ")}` } as const);
  return outcome.ok
    ? `<${tag} status="ok">\n${formatEvidence(outcome.result.evidence)}\n</tool_result>`
    : `<${tag} status="error">${escapeEvidenceText(outcome.error)}</tool_result>`;
}

/**
 * A reply the loop can use: while tools are offered, text or a tool call; for the final answer,
 * text. Anything else throws before it is cached, so the graph's retry asks again.
 */
function assertUsable(reply: CachedReply, modelName: string, final: boolean): void {
  if (reply.content.trim()) return;
  if (!final && reply.toolCalls.length > 0) return;
  throw new Error(`model ${modelName} returned ${final ? "no final answer" : "neither an answer nor a tool call"}`);
}

/** The user's text, delimited and escaped the same way in every turn. */
const userQuestion = (question: string) => new HumanMessage(`<user_question>\n${escapeEvidenceText(question)}\n</user_question>`);

export function historyMessages(history: readonly PriorTurn[]): BaseMessage[] {
  return history.flatMap((turn) => [userQuestion(turn.question), new AIMessage(turn.answer)]);
}

/**
 * A bounded tool-calling loop: the model calls tools from its session (recorded and traced there)
 * until it answers or runs out of steps. Then it is asked for a final answer with the same tools
 * still declared but `tool_choice: "none"`: the conversation refers to those tools, which some
 * OpenAI-compatible servers require to be declared, and an unchanged prefix keeps prompt caching.
 */
export async function runToolCallingAgent(input: ToolAgentInput): Promise<ToolAgentResult> {
  const definitions = input.tools.allowed.map(openAIToolDefinition);
  if (!input.model.bindTools) throw new Error(`model ${input.modelName} does not support tool calling`);
  const withTools = input.model.bindTools(definitions);
  const answerOnly = input.model.bindTools(definitions, { tool_choice: "none" });
  const messages: BaseMessage[] = [
    new SystemMessage(`${input.systemPrompt}\n\n${DATA_POLICY}`),
    ...historyMessages(input.history),
    userQuestion(input.question),
  ];
  let usage: Usage = ZERO_USAGE;
  const options = { ...(input.signal ? { signal: input.signal } : {}), ...(input.callbacks ? { callbacks: input.callbacks } : {}) };

  const ask = async (runnable: { invoke: (m: BaseMessage[], o: object) => Promise<unknown> }, final: boolean): Promise<CachedReply> => {
    const compute = async () => {
      const reply = toReply((await runnable.invoke(messages, options)) as AIMessage);
      assertUsable(reply, input.modelName, final);
      return reply;
    };
    const key = {
      model: input.modelName,
      messages: messages.map((m) => ({ type: m.getType(), content: m.content, tool_calls: (m as AIMessage).tool_calls ?? null })),
      // The tool definitions are part of the prompt: a changed description or schema is a new call.
      prompt: { tools: definitions, toolChoice: final ? "none" : "auto" },
      repeat: input.cache?.repeat ?? 0,
    };
    const reply = input.cache ? CachedReplySchema.parse(await input.cache.store.getOrCompute(key, compute)) : await compute();
    usage = addUsage(usage, usageOf(input.prices, input.modelName, reply.inputTokens, reply.outputTokens));
    return reply;
  };

  for (let step = 1; step <= input.maxSteps; step++) {
    const reply = await ask(withTools, false);
    messages.push(fromReply(reply));
    if (reply.toolCalls.length === 0) return { answer: reply.content, usage, model: input.modelName, steps: step };
    for (const call of reply.toolCalls) {
      messages.push(new ToolMessage({ content: await toolResultFor(call, input.tools), tool_call_id: call.id }));
    }
  }
  messages.push(new HumanMessage("You have used all your tool calls. Answer now from the evidence above, citing path:start-end, or say it was not found in this repository."));
  const final = await ask(answerOnly, true);
  return { answer: final.content, usage, model: input.modelName, steps: input.maxSteps + 1 };
}
