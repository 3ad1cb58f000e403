import { z } from "zod";

/**
 * Where a service's CPU time went, from a V8 `.cpuprofile` (`node --cpu-prof`): self time grouped
 * into the project's areas, and the functions with the most self time. Samples before the first
 * request (module loading, index build) are left out, so the figures describe serving.
 */

const CallFrameSchema = z.object({ functionName: z.string(), url: z.string(), lineNumber: z.number() });
const ProfileSchema = z.object({
  nodes: z.array(z.object({ id: z.number(), callFrame: CallFrameSchema, children: z.array(z.number()).optional() })),
  samples: z.array(z.number()),
  timeDeltas: z.array(z.number()),
});
type CallFrame = z.infer<typeof CallFrameSchema>;

export interface AreaShare {
  area: string;
  share: number;
}

export interface CpuProfileSummary {
  /** Sampled time from the first request to the end of the profile, in milliseconds. */
  sampledMs: number;
  areas: AreaShare[];
  topFunctions: Array<{ name: string; share: number }>;
}

/** Areas in the order they are tested: the first whose pattern matches a frame's URL names it. */
const AREAS: Array<[string, RegExp]> = [
  ["LangGraph and LangChain runtime (incl. langsmith run trees)", /node_modules\/(@langchain\/|langsmith\/)/],
  ["Tracing: OpenTelemetry, Langfuse span processing, redaction", /node_modules\/(@opentelemetry\/|@langfuse\/)|\/src\/tracing\/|\/src\/index\/secrets\.ts/],
  ["Retrieval and offline answers (index, tools, specialists, router)", /\/src\/(index|tools|models)\/|\/specialists\/|node_modules\/(minisearch|stemmer|stopwords-iso|js-tiktoken)\//],
  ["Graph nodes and pipelines (graphs/)", /\/graphs\//],
  ["HTTP: Fastify, pino, zod validation and serialisation", /node_modules\/(fastify|@fastify\/|fastify-type-provider-zod|zod|pino|light-my-request|avvio|find-my-way|fast-json-stringify|secure-json-parse)|\/src\/server\//],
];
const NODE_INTERNALS = "Node internals called by Node itself (HTTP parser, sockets, event loop)";

const location = (frame: CallFrame) => frame.url.replace(/^file:\/\//, "");

function areaOf(frame: CallFrame): string | undefined {
  if (frame.functionName === "(garbage collector)") return "Garbage collection";
  if (frame.functionName === "(idle)") return "Idle (waiting for I/O)";
  // Native code, regular expressions and Node's own modules are counted with their caller.
  if (!frame.url || frame.url.startsWith("node:")) return undefined;
  return AREAS.find(([, pattern]) => pattern.test(location(frame)))?.[0] ?? "Other JavaScript";
}

export function summarizeCpuProfile(json: unknown, firstRequestFrame: RegExp, topCount = 12): CpuProfileSummary {
  const profile = ProfileSchema.parse(json);
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const parents = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parents.set(child, node.id);
  const stack = function* (id: number) {
    for (let current: number | undefined = id; current !== undefined; current = parents.get(current)) yield nodes.get(current)!.callFrame;
  };

  const areaTime = new Map<string, number>();
  const functionTime = new Map<string, number>();
  let sampled = 0;
  let serving = false;
  profile.samples.forEach((id, i) => {
    const delta = profile.timeDeltas[i] ?? 0;
    if (!serving) serving = [...stack(id)].some((frame) => firstRequestFrame.test(location(frame)));
    if (!serving) return;
    sampled += delta;
    let area: string | undefined;
    let inNode = false;
    for (const frame of stack(id)) {
      if ((area = areaOf(frame))) break;
      inNode ||= frame.url.startsWith("node:");
    }
    area ??= inNode ? NODE_INTERNALS : "Other (V8: compiled code, the runtime)";
    areaTime.set(area, (areaTime.get(area) ?? 0) + delta);
    const frame = nodes.get(id)!.callFrame;
    const name = `${frame.functionName || "(anonymous)"}${frame.url ? ` (${location(frame).replace(/^.*?\/(node_modules|src|graphs|specialists)\//, "$1/")}:${frame.lineNumber + 1})` : ""}`;
    functionTime.set(name, (functionTime.get(name) ?? 0) + delta);
  });

  const shares = (times: Map<string, number>) => [...times].sort((a, b) => b[1] - a[1]).map(([name, time]) => ({ name, share: sampled ? time / sampled : 0 }));
  return {
    sampledMs: sampled / 1000,
    areas: shares(areaTime).map(({ name, share }) => ({ area: name, share })),
    topFunctions: shares(functionTime).slice(0, topCount),
  };
}

/** A function name as Markdown table cell text: pipes (in regular expressions) would split the cell. */
const cell = (text: string) => text.replaceAll("|", "\\|").replaceAll("`", "'");

export function profileSummaryMarkdown(summary: CpuProfileSummary): string {
  const percent = (share: number) => `${(share * 100).toFixed(1)}%`;
  return [
    `CPU profile of the service (\`--cpu-prof\`) over ${(summary.sampledMs / 1000).toFixed(0)} s of serving; self time, with native code, regular expressions and Node's own modules counted with the code that called them:`,
    "",
    "| Area | Share of CPU |",
    "| --- | ---: |",
    ...summary.areas.map(({ area, share }) => `| ${area} | ${percent(share)} |`),
    "",
    "| Function (most self time) | Share |",
    "| --- | ---: |",
    ...summary.topFunctions.map(({ name, share }) => `| \`${cell(name)}\` | ${percent(share)} |`),
  ].join("\n");
}
