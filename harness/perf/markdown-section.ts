/** Replaces the generated part of a Markdown file between `<!-- name:start -->` and `<!-- name:end -->`. */
export function replaceSection(markdown: string, name: string, content: string): string {
  const start = `<!-- ${name}:start -->`;
  const end = `<!-- ${name}:end -->`;
  const from = markdown.indexOf(start);
  const to = markdown.indexOf(end);
  if (from === -1 || to === -1 || to < from) throw new Error(`docs/PERFORMANCE.md has no ${start} … ${end} markers`);
  return `${markdown.slice(0, from + start.length)}\n${content}\n${markdown.slice(to)}`;
}
