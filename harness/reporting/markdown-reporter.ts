import type { Block, Cell, ReportDocument } from "./document.js";
import type { Reporter } from "./reporter.js";

const escapeCell = (cell: Cell) => String(cell).replace(/\|/g, "\\|").replace(/\n/g, " ");
const TONE_MARK = { good: "✅", bad: "❌", warn: "⚠️", neutral: "ℹ️" } as const;

function renderBlock(block: Block): string {
  switch (block.kind) {
    case "paragraph":
      return block.text;
    case "list":
      return block.items.map((item) => `- ${item}`).join("\n");
    case "facts":
      return block.items.map(([key, value]) => `- **${key}:** ${value}`).join("\n");
    case "table": {
      const header = `| ${block.columns.map(escapeCell).join(" | ")} |`;
      const rule = `| ${block.columns.map(() => "---").join(" | ")} |`;
      const rows = block.rows.map((row) => `| ${row.map(escapeCell).join(" | ")} |`);
      return [block.caption ? `*${block.caption}*\n` : "", header, rule, ...rows].filter(Boolean).join("\n");
    }
    case "chart":
      return `*Chart "${block.title}": see the HTML report.*`;
  }
}

export const markdownReporter: Reporter = {
  name: "markdown",
  extension: "md",
  async render(document: ReportDocument): Promise<string> {
    const parts = [
      `# ${document.title}`,
      `${document.subtitle}  \nGenerated ${document.generatedAt}`,
      `> ${TONE_MARK[document.headline.tone]} **${document.headline.title}**` +
        (document.headline.details.length > 0 ? "\n>\n" + document.headline.details.map((d) => `> - ${d}`).join("\n") : ""),
    ];
    for (const section of document.sections) {
      parts.push(`## ${section.title}`);
      for (const block of section.blocks) parts.push(renderBlock(block));
    }
    return parts.join("\n\n") + "\n";
  },
};
