import type { FileType } from "./languages.js";
import { analyzeCode, type ExtractedSymbol, type SymbolKind } from "./treesitter.js";

/** A searchable piece of a file. Line numbers are 1-based and inclusive. */
export interface Chunk {
  path: string;
  startLine: number;
  endLine: number;
  category: "code" | "doc" | "text";
  /** Symbol name for symbol chunks. */
  symbol?: string;
  symbolKind?: SymbolKind;
  /** Heading path for doc sections ("Configuration > Retries"), `Class.method` for members. */
  title?: string;
  text: string;
}

export interface FileAnalysis {
  chunks: Chunk[];
  symbols: ExtractedSymbol[];
  imports: string[];
}

/** Chunks longer than this are split into overlapping windows: long chunks dilute ranking. */
const MAX_CHUNK_LINES = 120;
const WINDOW_LINES = 40;
const WINDOW_OVERLAP = 10;
/** A class this short stays one chunk; longer ones become a header chunk plus one chunk per member. */
const SMALL_CLASS_LINES = 50;

function sliceLines(lines: readonly string[], startLine: number, endLine: number): string {
  return lines.slice(startLine - 1, endLine).join("\n");
}

function isBlank(lines: readonly string[], startLine: number, endLine: number): boolean {
  for (let i = startLine - 1; i < endLine; i++) if (lines[i]?.trim()) return false;
  return true;
}

/** Overlapping line windows over [startLine, endLine]. */
export function lineWindows(startLine: number, endLine: number, size = WINDOW_LINES, overlap = WINDOW_OVERLAP): Array<[number, number]> {
  const windows: Array<[number, number]> = [];
  for (let start = startLine; start <= endLine; start += size - overlap) {
    const end = Math.min(endLine, start + size - 1);
    windows.push([start, end]);
    if (end === endLine) break;
  }
  return windows;
}

function pushRange(out: Chunk[], lines: readonly string[], base: Omit<Chunk, "startLine" | "endLine" | "text">, startLine: number, endLine: number): void {
  if (isBlank(lines, startLine, endLine)) return;
  const ranges = endLine - startLine + 1 > MAX_CHUNK_LINES ? lineWindows(startLine, endLine, 80, 10) : [[startLine, endLine] as [number, number]];
  for (const [start, end] of ranges) {
    if (isBlank(lines, start, end)) continue;
    out.push({ ...base, startLine: start, endLine: end, text: sliceLines(lines, start, end) });
  }
}

// ---------------------------------------------------------------------------------------------

function chunkCode(path: string, lines: readonly string[], symbols: readonly ExtractedSymbol[]): Chunk[] {
  const chunks: Chunk[] = [];
  const covered = new Uint8Array(lines.length + 2);
  const cover = (start: number, end: number) => covered.fill(1, start, end + 1);
  const membersOf = (owner: ExtractedSymbol) =>
    symbols.filter((s) => s.container === owner.name && s.startLine >= owner.startLine && s.endLine <= owner.endLine);

  for (const symbol of symbols) {
    if (symbol.container && symbols.some((o) => o.name === symbol.container && o.startLine <= symbol.startLine && o.endLine >= symbol.endLine && o.endLine - o.startLine + 1 <= SMALL_CLASS_LINES)) {
      continue; // a member of a small class is searched through its class chunk
    }
    const base = {
      path,
      category: "code" as const,
      symbol: symbol.name,
      symbolKind: symbol.kind,
      title: symbol.container ? `${symbol.container}.${symbol.name}` : symbol.name,
    };
    const members = symbol.endLine - symbol.startLine + 1 > SMALL_CLASS_LINES ? membersOf(symbol) : [];
    if (members.length > 0) {
      // The class header: its declaration, fields and anything before the first member.
      const firstMember = Math.min(...members.map((m) => m.startLine));
      pushRange(chunks, lines, base, symbol.startLine, Math.max(symbol.startLine, firstMember - 1));
      cover(symbol.startLine, firstMember - 1);
      cover(symbol.endLine, symbol.endLine);
      continue;
    }
    pushRange(chunks, lines, base, symbol.startLine, symbol.endLine);
    cover(symbol.startLine, symbol.endLine);
  }

  // Everything outside symbols (imports, top-level statements, scripts) stays searchable too.
  let gapStart = 0;
  for (let line = 1; line <= lines.length + 1; line++) {
    const isCovered = line > lines.length || covered[line] === 1;
    if (!isCovered && gapStart === 0) gapStart = line;
    if (isCovered && gapStart !== 0) {
      for (const [start, end] of lineWindows(gapStart, line - 1)) {
        if (!isBlank(lines, start, end)) chunks.push({ path, startLine: start, endLine: end, category: "code", text: sliceLines(lines, start, end) });
      }
      gapStart = 0;
    }
  }
  return chunks.sort((a, b) => a.startLine - b.startLine || a.endLine - b.endLine);
}

// ---------------------------------------------------------------------------------------------

interface Heading {
  line: number; // where the section starts (the overline or the heading text)
  level: number;
  text: string;
}

const MARKDOWN_HEADING = /^(#{1,6})\s+(.+?)\s*#*\s*$/;
const FENCE = /^\s*(```|~~~)/;

function markdownHeadings(lines: readonly string[]): Heading[] {
  const headings: Heading[] = [];
  let fence: string | undefined;
  lines.forEach((line, index) => {
    const fenceMatch = FENCE.exec(line);
    if (fenceMatch) {
      fence = fence === undefined ? fenceMatch[1] : fence === fenceMatch[1] ? undefined : fence;
      return;
    }
    if (fence) return;
    const atx = MARKDOWN_HEADING.exec(line);
    if (atx) {
      headings.push({ line: index + 1, level: atx[1]!.length, text: atx[2]! });
      return;
    }
    const next = lines[index + 1];
    if (line.trim() && next !== undefined && /^(=+|-+)\s*$/.test(next) && !/^\s*[-*+>|]/.test(line)) {
      headings.push({ line: index + 1, level: next.startsWith("=") ? 1 : 2, text: line.trim() });
    }
  });
  return headings;
}

const RST_ADORNMENT = /^([=\-~^"'`#*+:._])\1{2,}\s*$/;

function rstHeadings(lines: readonly string[]): Heading[] {
  const styles: string[] = [];
  const headings: Heading[] = [];
  for (let i = 0; i < lines.length; i++) {
    const text = lines[i]!;
    const under = lines[i + 1];
    if (!text.trim() || RST_ADORNMENT.test(text) || under === undefined) continue;
    const underMatch = RST_ADORNMENT.exec(under);
    if (!underMatch || under.trimEnd().length < text.trimEnd().length) continue;
    const over = lines[i - 1];
    const hasOverline = over !== undefined && RST_ADORNMENT.test(over) && over[0] === under[0];
    const style = (hasOverline ? "o" : "u") + underMatch[1];
    if (!styles.includes(style)) styles.push(style);
    headings.push({ line: hasOverline ? i : i + 1, level: styles.indexOf(style) + 1, text: text.trim() });
    i++;
  }
  return headings;
}

function chunkDoc(path: string, lines: readonly string[], headings: readonly Heading[]): Chunk[] {
  const chunks: Chunk[] = [];
  const trail: Heading[] = [];
  const fileTitle = path.slice(path.lastIndexOf("/") + 1);
  const firstHeading = headings[0]?.line ?? lines.length + 1;
  if (firstHeading > 1) pushRange(chunks, lines, { path, category: "doc", title: fileTitle }, 1, firstHeading - 1);
  headings.forEach((heading, index) => {
    while (trail.length && trail[trail.length - 1]!.level >= heading.level) trail.pop();
    trail.push(heading);
    const end = (headings[index + 1]?.line ?? lines.length + 1) - 1;
    const title = trail.map((h) => h.text).join(" > ");
    pushRange(chunks, lines, { path, category: "doc", title }, heading.line, end);
  });
  return chunks;
}

function chunkWindows(path: string, lines: readonly string[], category: Chunk["category"]): Chunk[] {
  const chunks: Chunk[] = [];
  if (lines.length === 0) return chunks;
  for (const [start, end] of lineWindows(1, lines.length)) {
    if (!isBlank(lines, start, end)) chunks.push({ path, startLine: start, endLine: end, category, text: sliceLines(lines, start, end) });
  }
  return chunks;
}

/** Splits one file into chunks and extracts its symbols and imports. Grammars must be prepared. */
export function analyzeFile(path: string, lines: readonly string[], type: FileType): FileAnalysis {
  if (type.grammar) {
    const { symbols, imports } = analyzeCode(type.grammar, lines.join("\n"));
    return { chunks: chunkCode(path, lines, symbols), symbols, imports };
  }
  if (type.docFormat === "markdown") return { chunks: chunkDoc(path, lines, markdownHeadings(lines)), symbols: [], imports: [] };
  if (type.docFormat === "rst") return { chunks: chunkDoc(path, lines, rstHeadings(lines)), symbols: [], imports: [] };
  return { chunks: chunkWindows(path, lines, type.category), symbols: [], imports: [] };
}
