import { describe, expect, it } from "vitest";
import { formatHeadlines } from "../../../../local/generator/formats.ts";
import type { GeneratedHeadline } from "../../../../local/generator/headlines.ts";

const row: GeneratedHeadline = {
  id: "r-1",
  headline: 'Gold tops $2,000 on "safe haven" bid',
  summary: "s",
  published_at: "2024-03-01T09:30:00-05:00",
  symbols: ["XAUUSD", "GLD"],
  source: "Reuters",
  url: "https://example.com/r-1",
};

describe("formatHeadlines", () => {
  it("writes CSV with a header and quotes where needed", () => {
    expect([...formatHeadlines([row], "csv")]).toEqual([
      "id,headline,published_at,symbols,source,url\n",
      'r-1,"Gold tops $2,000 on ""safe haven"" bid",2024-03-01T09:30:00-05:00,XAUUSD GLD,Reuters,https://example.com/r-1\n',
    ]);
  });

  it("writes news-API objects, one per line", () => {
    const [line] = [...formatHeadlines([row], "jsonl")];
    expect(JSON.parse(line!)).toEqual({
      id: "r-1",
      headline: row.headline,
      summary: "s",
      created_at: row.published_at,
      symbols: row.symbols,
      source: "Reuters",
      url: row.url,
    });
  });
});
