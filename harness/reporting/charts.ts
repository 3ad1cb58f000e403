import * as vega from "vega";
import { compile, type TopLevelSpec } from "vega-lite";

/** Shared look for every chart: system fonts, light grid, muted axes. */
export const CHART_CONFIG = {
  font: "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif",
  background: "white",
  view: { stroke: null },
  axis: { labelColor: "#4b5563", titleColor: "#374151", gridColor: "#eef0f3", domainColor: "#9ca3af", tickColor: "#9ca3af", labelFontSize: 11, titleFontSize: 12 },
  legend: { labelColor: "#374151", titleColor: "#374151", labelFontSize: 11, titleFontSize: 12 },
  title: { color: "#111827", fontSize: 13, anchor: "start" },
} as const;

export const PIPELINE_COLORS = { domain: ["baseline", "orchestrated"], range: ["#9aa5b1", "#2563eb"] };

/**
 * Renders a Vega-Lite spec to an SVG string headlessly (vega's "none" renderer: no DOM, no canvas).
 * The namespace declarations are removed: inline SVG in HTML does not need them, and the report
 * must contain no URLs at all.
 */
export async function renderChartSvg(spec: TopLevelSpec): Promise<string> {
  const withConfig = { ...spec, config: { ...CHART_CONFIG, ...(spec.config ?? {}) } } as TopLevelSpec;
  const compiled = compile(withConfig).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: "none" });
  try {
    const svg = await view.toSVG();
    return svg.replace(/\s+xmlns(?::\w+)?="[^"]*"/g, "").replace(/\s+xlink:href=/g, " href=");
  } finally {
    view.finalize();
  }
}
