/** What every goldpipe HTML page shares: one self-contained document (no script, no outside resource) and its base style. */

const BASE_STYLE =
  `  body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1d2330; margin: 2rem auto; max-width: 980px; ` +
  `padding: 0 1rem; }
  h1 { font-size: 1.4rem; margin-bottom: .2rem; }
  .meta { color: #5b6475; margin-top: 0; }
  section { border: 1px solid #e1e5ec; border-radius: 8px; padding: .6rem 1rem 1rem; margin-bottom: 1rem; overflow-x: auto; }
  h2 { font-size: 1rem; margin: .4rem 0 .6rem; }
  table { border-collapse: collapse; width: 100%; }
  th, td { text-align: left; padding: .2rem .4rem; border-bottom: 1px solid #f0f2f6; vertical-align: top; }
  th { font-weight: 500; color: #5b6475; }
  td { font-variant-numeric: tabular-nums; white-space: nowrap; }
  svg text { font: 12px system-ui, sans-serif; fill: #5b6475; }`;

/** A whole page: title, the base style plus the page's own, and the body as given (already escaped). */
export function htmlPage({ title, style = "", body }: { title: string; style?: string; body: string }): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${escapeHtml(title)}</title>
<style>
${BASE_STYLE}${style ? `\n${style}` : ""}
</style>
</head>
<body>
${body}
</body>
</html>
`;
}

export const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
