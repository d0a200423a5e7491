import { mergedLake, scoredHeadline } from "./scored-fixtures.ts";

/**
 * Six headlines over three days (the last one late evening in New York, already the next day in UTC), two sources and no
 * source, for the named queries and the query command.
 */
export async function namedQueryLake(lake: string): Promise<void> {
  await mergedLake(lake, {
    "run-a": [
      scoredHeadline({
        id: "n1",
        price_direction: "up",
        published_at: "2024-03-01T10:00:00Z",
        label: "positive",
        score: 0.9,
        symbols: ["XAUUSD", "GLD"],
        source: "wire",
        headline: "Gold rallies as dollar slips",
      }),
      scoredHeadline({
        id: "n2",
        price_direction: "down",
        published_at: "2024-03-01T11:00:00Z",
        label: "negative",
        score: 0.8,
        symbols: ["XAUUSD"],
        source: "wire",
        headline: "Gold slides after strong payrolls",
      }),
      scoredHeadline({
        id: "n3",
        price_direction: "none",
        published_at: "2024-03-01T12:00:00Z",
        label: "negative",
        score: 0.95,
        symbols: ["GLD"],
        source: "blog",
        headline: "GLD outflows hit a record",
      }),
      scoredHeadline({
        id: "n4",
        price_direction: "constant",
        published_at: "2024-03-02T09:00:00Z",
        label: "neutral",
        score: 0.6,
        symbols: ["XAUUSD"],
        source: "blog",
        headline: "Gold flat ahead of Fed minutes",
      }),
      scoredHeadline({
        id: "n5",
        price_direction: "down",
        published_at: "2024-03-02T10:00:00Z",
        label: "negative",
        score: 0.7,
        symbols: ["XAUUSD"],
        source: null,
        headline: 'Miners drop, "bullion" weak, again',
      }),
      scoredHeadline({
        id: "n6",
        price_direction: "down",
        published_at: "2024-07-01T03:30:00Z",
        label: "negative",
        score: 0.75,
        symbols: ["XAU"],
        tagged_symbols: ["XAU"],
        source: "wire",
        headline: "Gold slips in late New York trade",
      }),
    ],
  });
}
