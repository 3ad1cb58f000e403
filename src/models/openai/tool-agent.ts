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
import { DATA_POLICY, escapeEvidenceText, formatEvidence } from "./evidence-format.js";

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
  toolCalls: z.array(z.object({ id: z.string(), name: z.string(), args: z.record(z.string(), z.unknown()) })),
  inputTokens: z.number(),
  outputTokens: z.number(),
});
type CachedReply = z.infer<typeof CachedReplySchema>;

function textOf(message: AIMessage): string {
  if (typeof message.content === "string") return message.content;
  return message.content.map((part) => ("text" in part && typeof part.text === "string" ? part.text : "")).join("");
}

function toReply(message: AIMessage): CachedReply {
  return {
    content: textOf(message),
    toolCalls: (message.tool_calls ?? []).map((call, i) => ({ id: call.id ?? `call_${i}`, name: call.name, args: call.args as Record<string, unknown> })),
    inputTokens: message.usage_metadata?.input_tokens ?? 0,
    outputTokens: message.usage_metadata?.output_tokens ?? 0,
  };
}

function fromReply(reply: CachedReply): AIMessage {
  return new AIMessage({ content: reply.content, tool_calls: reply.toolCalls.map((c) => ({ id: c.id, name: c.name, args: c.args, type: "tool_call" as const })) });
}

export function historyMessages(history: readonly PriorTurn[]): BaseMessage[] {
  return history.flatMap((turn) => [new HumanMessage(turn.question), new AIMessage(turn.answer)]);
}

/**
 * A bounded tool-calling loop: the model calls tools from its session (recorded and traced there)
 * until it answers or runs out of steps, when it is asked for a final answer without tools.
 */
export async function runToolCallingAgent(input: ToolAgentInput): Promise<ToolAgentResult> {
  const definitions = input.tools.allowed.map((name: ToolName) => ({ name, description: TOOLS[name].description, schema: TOOLS[name].schema }));
  if (!input.model.bindTools) throw new Error(`model ${input.modelName} does not support tool calling`);
  const withTools = input.model.bindTools(definitions);
  const messages: BaseMessage[] = [
    new SystemMessage(`${input.systemPrompt}\n\n${DATA_POLICY}`),
    ...historyMessages(input.history),
    new HumanMessage(`<user_question>\n${escapeEvidenceText(input.question)}\n</user_question>`),
  ];
  let usage: Usage = ZERO_USAGE;
  const options = { ...(input.signal ? { signal: input.signal } : {}), ...(input.callbacks ? { callbacks: input.callbacks } : {}) };

  const ask = async (runnable: { invoke: (m: BaseMessage[], o: object) => Promise<unknown> }, withToolSchemas: boolean): Promise<CachedReply> => {
    const compute = async () => toReply((await runnable.invoke(messages, options)) as AIMessage);
    const key = { model: input.modelName, messages: messages.map((m) => ({ type: m.getType(), content: m.content, tool_calls: (m as AIMessage).tool_calls ?? null })), prompt: { tools: withToolSchemas ? input.tools.allowed : [] }, repeat: input.cache?.repeat ?? 0 };
    const reply = input.cache ? CachedReplySchema.parse(await input.cache.store.getOrCompute(key, compute)) : await compute();
    usage = addUsage(usage, usageOf(input.prices, input.modelName, reply.inputTokens, reply.outputTokens));
    return reply;
  };

  for (let step = 1; step <= input.maxSteps; step++) {
    const reply = await ask(withTools, true);
    messages.push(fromReply(reply));
    if (reply.toolCalls.length === 0) return { answer: reply.content, usage, model: input.modelName, steps: step };
    for (const call of reply.toolCalls) {
      const outcome = TOOLS[call.name as ToolName]
        ? await input.tools.call(call.name as ToolName, call.args)
        : ({ ok: false, error: `unknown tool ${call.name}` } as const);
      const content = outcome.ok
        ? `<tool_result tool="${call.name}" status="ok">\n${formatEvidence(outcome.result.evidence)}\n</tool_result>`
        : `<tool_result tool="${call.name}" status="error">${escapeEvidenceText(outcome.error)}</tool_result>`;
      messages.push(new ToolMessage({ content, tool_call_id: call.id }));
    }
  }
  messages.push(new HumanMessage("You have used all your tool calls. Answer now from the evidence above, citing path:start-end, or say it was not found in this repository."));
  const final = await ask(input.model, false);
  return { answer: final.content, usage, model: input.modelName, steps: input.maxSteps + 1 };
}
