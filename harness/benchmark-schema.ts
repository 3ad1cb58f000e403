import { z } from "zod";
import { RouteSchema } from "../src/contract.js";

/** One benchmark question. The JSONL format is fixed: other teams bring their own files in it. */
export const BenchmarkItemSchema = z
  .object({
    id: z.string().min(1),
    question: z.string().min(1).max(8000),
    route: RouteSchema,
    expected_files: z.array(z.string().min(1)).default([]),
    expected_facts: z.array(z.string().min(1)).default([]),
    answerable: z.boolean().default(true),
    tags: z.array(z.string()).default([]),
  })
  .strict();
export type BenchmarkItem = z.infer<typeof BenchmarkItemSchema>;
