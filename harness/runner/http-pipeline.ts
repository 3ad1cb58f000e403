import { AskResultSchema, type AskOptions, type AskResult, type Pipeline, type PipelineName } from "../../src/contract.js";
import { describeZodError } from "../jsonl.js";
import { PipelineCallError } from "./records.js";

/**
 * A Pipeline that asks a running server: POST `${url}/ask` with `{question, pipeline}`.
 * Non-2xx, unreachable server and malformed bodies become PipelineCallErrors, which the runner
 * turns into error records; nothing here throws past the runner.
 */
export function createHttpPipeline(baseUrl: string, name: PipelineName): Pipeline {
  const endpoint = `${baseUrl.replace(/\/+$/, "")}/ask`;
  return {
    name,
    async run(question: string, options?: AskOptions): Promise<AskResult> {
      let response: Response;
      try {
        response = await fetch(endpoint, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ question, pipeline: name }),
          signal: options?.signal ?? null,
        });
      } catch (error) {
        if ((error as Error).name === "AbortError" || (error as Error).name === "TimeoutError") throw error;
        const cause = (error as { cause?: { message?: string } }).cause?.message;
        throw new PipelineCallError("network_error", `POST ${endpoint} failed: ${cause ?? (error as Error).message}`);
      }
      const body = await response.text();
      if (!response.ok) {
        throw new PipelineCallError(
          `http_${response.status}`,
          `POST ${endpoint} answered ${response.status} ${response.statusText}: ${body.slice(0, 500)}`,
        );
      }
      let json: unknown;
      try {
        json = JSON.parse(body);
      } catch {
        throw new PipelineCallError("invalid_result", `POST ${endpoint} returned a body that is not JSON: ${body.slice(0, 200)}`);
      }
      const parsed = AskResultSchema.safeParse(json);
      if (!parsed.success) {
        throw new PipelineCallError("invalid_result", `POST ${endpoint} returned no valid AskResult: ${describeZodError(parsed.error)}`);
      }
      return parsed.data;
    },
  };
}
