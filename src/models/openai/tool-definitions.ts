import { z } from "zod";
import { TOOLS } from "../../tools/registry.js";
import type { ToolName } from "../../tools/tool.js";

export interface OpenAIFunctionTool {
  type: "function";
  function: { name: string; description: string; parameters: Record<string, unknown> };
}

/**
 * A repository tool as an OpenAI function definition. The parameters describe the tool's *input*
 * (zod's `io: "input"`): an argument with a default, such as search_code's `k`, is optional to
 * the model. Converting the zod schema the default way describes its output, where defaulted
 * fields are required. `$schema` is left out because some OpenAI-compatible servers reject it.
 * The arguments the model sends are validated by the tool's zod schema when the tool runs.
 */
export function openAIToolDefinition(name: ToolName): OpenAIFunctionTool {
  const tool = TOOLS[name];
  const { $schema: _dialect, ...parameters } = z.toJSONSchema(tool.schema, { io: "input" }) as Record<string, unknown>;
  return { type: "function", function: { name, description: tool.description, parameters } };
}
