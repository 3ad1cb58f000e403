import type { ConfidenceInterval } from "../stats.js";

export const pct = (value: number, digits = 1) => (Number.isFinite(value) ? `${(value * 100).toFixed(digits)}%` : "n/a");
export const ms = (value: number) => (Number.isFinite(value) ? `${Math.round(value).toLocaleString("en-US")} ms` : "n/a");
export const usd = (value: number) => (Number.isFinite(value) ? `$${value.toFixed(value !== 0 && Math.abs(value) < 0.01 ? 5 : 4)}` : "n/a");
export const num = (value: number, digits = 2) => (Number.isFinite(value) ? value.toFixed(digits) : "n/a");
export const pctCi = (ci: ConfidenceInterval | null) => (ci && Number.isFinite(ci.low) ? `${pct(ci.estimate)} [${pct(ci.low)}, ${pct(ci.high)}]` : "n/a");
export const pValue = (p: number) => (p < 0.001 ? "< 0.001" : p.toFixed(3));
