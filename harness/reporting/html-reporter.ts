import { renderChartSvg } from "./charts.js";
import type { Block, ReportDocument, Tone } from "./document.js";
import type { Reporter } from "./reporter.js";

/**
 * A single self-contained page: inline CSS, charts as inline SVG, no scripts, no fonts, no images,
 * no links, so opening it makes no network request (and it can be attached to a CI run as is).
 */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;");
}

const STYLE = `
:root { --ink:#111827; --muted:#6b7280; --line:#e5e7eb; --bg:#f6f7f9; --card:#fff;
  --good:#15803d; --good-bg:#ecfdf3; --bad:#b91c1c; --bad-bg:#fef2f2; --warn:#a16207; --warn-bg:#fefce8; --neutral:#1d4ed8; --neutral-bg:#eff6ff; }
* { box-sizing: border-box; }
body { margin:0; background:var(--bg); color:var(--ink); font:14px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif; }
main { max-width:1120px; margin:0 auto; padding:28px 24px 48px; }
header h1 { font-size:24px; margin:0 0 4px; letter-spacing:-0.01em; }
header p { margin:0; color:var(--muted); }
.headline { margin:20px 0 24px; padding:16px 20px; border-radius:10px; border:1px solid; }
.headline h2 { margin:0; font-size:18px; }
.headline ul { margin:8px 0 0; padding-left:20px; }
.tone-good { background:var(--good-bg); border-color:#bbf7d0; } .tone-good h2 { color:var(--good); }
.tone-bad { background:var(--bad-bg); border-color:#fecaca; } .tone-bad h2 { color:var(--bad); }
.tone-warn { background:var(--warn-bg); border-color:#fde68a; } .tone-warn h2 { color:var(--warn); }
.tone-neutral { background:var(--neutral-bg); border-color:#bfdbfe; } .tone-neutral h2 { color:var(--neutral); }
section { background:var(--card); border:1px solid var(--line); border-radius:10px; padding:18px 20px; margin:0 0 18px; }
section > h2 { font-size:16px; margin:0 0 12px; }
table { border-collapse:collapse; width:100%; margin:6px 0 14px; font-variant-numeric:tabular-nums; font-size:13.5px; }
caption { text-align:left; color:var(--muted); padding-bottom:6px; caption-side:top; }
th, td { padding:6px 8px; border-bottom:1px solid var(--line); text-align:left; vertical-align:top; }
th { background:#f9fafb; font-weight:600; color:#374151; font-size:13px; }
th.num, td.num { text-align:right; }
td.num { white-space:nowrap; }
.table-wrap { overflow-x:auto; }
td.good { color:var(--good); font-weight:600; } td.bad { color:var(--bad); font-weight:600; } td.warn { color:var(--warn); }
tbody tr:hover { background:#fafafa; }
dl.facts { display:grid; grid-template-columns:max-content 1fr; gap:4px 16px; margin:0 0 10px; }
dl.facts dt { color:var(--muted); } dl.facts dd { margin:0; word-break:break-all; }
.charts { display:grid; grid-template-columns:repeat(auto-fill, minmax(460px, 1fr)); gap:16px; }
figure { margin:0; padding:10px; border:1px solid var(--line); border-radius:8px; background:#fff; min-width:0; }
figure svg { display:block; max-width:100%; height:auto; margin:0 auto; }
figcaption { font-weight:600; font-size:13px; margin:0 0 6px; color:#374151; }
ul.plain { margin:4px 0 10px; padding-left:20px; }
code { font-family:ui-monospace,SFMono-Regular,Menlo,monospace; font-size:12.5px; }
footer { color:var(--muted); font-size:12px; margin-top:24px; }
`;

const isNumeric = (cell: string | number) =>
  typeof cell === "number" || /^[-+−]?[$]?\d[\d,.]*\s*(%|ms|pp)?(\s*\[.*\]|\s*\(\d+(\.\d+)?%\))?$/.test(cell) || /^\d+ \/ \d+$/.test(cell);

function renderTable(block: Extract<Block, { kind: "table" }>): string {
  // A column whose every cell is numeric is right-aligned, header included.
  const numericColumn = block.columns.map((_, c) => block.rows.length > 0 && block.rows.every((row) => row[c] === undefined || isNumeric(row[c] as string | number)));
  const head = `<thead><tr>${block.columns.map((c, i) => `<th${numericColumn[i] ? ' class="num"' : ""}>${escapeHtml(c)}</th>`).join("")}</tr></thead>`;
  const body = block.rows
    .map((row, r) => {
      const cells = row.map((cell, c) => {
        const tone: Tone | null = block.tones?.[r]?.[c] ?? null;
        const classes = [isNumeric(cell) ? "num" : "", tone && tone !== "neutral" ? tone : ""].filter(Boolean).join(" ");
        return `<td${classes ? ` class="${classes}"` : ""}>${escapeHtml(String(cell))}</td>`;
      });
      return `<tr>${cells.join("")}</tr>`;
    })
    .join("");
  const caption = block.caption ? `<caption>${escapeHtml(block.caption)}</caption>` : "";
  return `<div class="table-wrap"><table>${caption}${head}<tbody>${body}</tbody></table></div>`;
}

/** Section anchors, so a long report can be linked (and screenshotted) by part. */
export function slug(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "");
}

async function renderBlocks(blocks: readonly Block[]): Promise<string> {
  const out: string[] = [];
  let charts: string[] = [];
  const flushCharts = () => {
    if (charts.length > 0) out.push(`<div class="charts">${charts.join("")}</div>`);
    charts = [];
  };
  for (const block of blocks) {
    if (block.kind === "chart") {
      charts.push(`<figure><figcaption>${escapeHtml(block.title)}</figcaption>${await renderChartSvg(block.spec)}</figure>`);
      continue;
    }
    flushCharts();
    switch (block.kind) {
      case "paragraph":
        out.push(`<p>${escapeHtml(block.text)}</p>`);
        break;
      case "list":
        out.push(`<ul class="plain">${block.items.map((item) => `<li>${escapeHtml(item)}</li>`).join("")}</ul>`);
        break;
      case "facts":
        out.push(`<dl class="facts">${block.items.map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v)}</dd>`).join("")}</dl>`);
        break;
      case "table":
        out.push(renderTable(block));
        break;
    }
  }
  flushCharts();
  return out.join("\n");
}

export const htmlReporter: Reporter = {
  name: "html",
  extension: "html",
  async render(document: ReportDocument): Promise<string> {
    const sections: string[] = [];
    for (const section of document.sections) {
      sections.push(`<section id="${slug(section.title)}"><h2>${escapeHtml(section.title)}</h2>\n${await renderBlocks(section.blocks)}</section>`);
    }
    const details = document.headline.details.length > 0 ? `<ul>${document.headline.details.map((d) => `<li>${escapeHtml(d)}</li>`).join("")}</ul>` : "";
    return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(document.title)}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
<header><h1>${escapeHtml(document.title)}</h1><p>${escapeHtml(document.subtitle)}</p></header>
<div class="headline tone-${document.headline.tone}"><h2>${escapeHtml(document.headline.title)}</h2>${details}</div>
${sections.join("\n")}
<footer>Generated ${escapeHtml(document.generatedAt)} by the repo-QA eval harness. Self-contained: no external resources.</footer>
</main>
</body>
</html>
`;
  },
};
