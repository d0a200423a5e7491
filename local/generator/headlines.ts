import { SeededRandom } from "./random.ts";

/** One generated headline, shaped like a news API's export (what `goldpipe generate` writes). */
export interface GeneratedHeadline {
  id: string;
  headline: string;
  /** A sentence of context, as a news API gives beside the headline. */
  summary: string;
  /** Local exchange time with its UTC offset, e.g. 2024-03-01T09:42:17-05:00. */
  published_at: string;
  symbols: string[];
  source: string;
  url: string;
}

export interface GenerateOptions {
  count: number;
  seed: number;
  /** The first trading day, YYYY-MM-DD (default 2023-01-02). */
  start?: string;
  /** How many rows to replace with deliberately broken ones (impossible or garbled dates, empty headlines). */
  badRows?: number;
}

const SOURCES = [
  { name: "Reuters", domain: "reuters.com", path: "markets/commodities" },
  { name: "Bloomberg", domain: "bloomberg.com", path: "news/articles" },
  { name: "MarketWatch", domain: "marketwatch.com", path: "story" },
  { name: "Kitco News", domain: "kitco.com", path: "news/article" },
  { name: "FXStreet", domain: "fxstreet.com", path: "news" },
  { name: "Financial Times", domain: "ft.com", path: "content" },
  { name: "CNBC", domain: "cnbc.com", path: "markets" },
  { name: "Economic Times", domain: "economictimes.indiatimes.com", path: "markets/commodities/news" },
  { name: "Mining.com", domain: "mining.com", path: "news" },
] as const;

/** Trading sessions: where a headline is written, in that place's standard time. */
const SESSIONS = [
  { offset: "+08:00", offsetMinutes: 480, open: 9 * 60, close: 16 * 60, weight: 0.2 },
  { offset: "+00:00", offsetMinutes: 0, open: 8 * 60, close: 16 * 60 + 30, weight: 0.3 },
  { offset: "-05:00", offsetMinutes: -300, open: 8 * 60 + 20, close: 17 * 60, weight: 0.45 },
  { offset: "Z", offsetMinutes: 0, open: 0, close: 24 * 60 - 1, weight: 0.05 },
] as const;

const UP = ["rises", "climbs", "gains", "edges higher", "jumps", "rallies", "advances", "firms"];
const DOWN = ["falls", "slips", "drops", "eases", "retreats", "slides", "tumbles", "weakens"];
const DRIVERS_UP = [
  "as dollar weakens",
  "after soft US inflation data",
  "on safe-haven demand",
  "as Treasury yields fall",
  "ahead of Fed rate decision",
  "on central bank buying",
  "as geopolitical tensions flare",
  "after weak payrolls",
];
const DRIVERS_DOWN = [
  "as dollar firms",
  "after hot CPI print",
  "as real yields climb",
  "on profit-taking",
  "as Fed signals higher for longer",
  "on strong US jobs data",
  "as risk appetite returns",
  "ahead of FOMC minutes",
];
const MINERS = [
  { name: "Newmont", symbol: "NEM" },
  { name: "Barrick Gold", symbol: "GOLD" },
  { name: "Agnico Eagle", symbol: "AEM" },
  { name: "Kinross Gold", symbol: "KGC" },
] as const;

type Template = (g: TemplateInput) => { text: string; symbols: string[] };
interface TemplateInput {
  random: SeededRandom;
  price: number;
  change: number;
}

/** $1,234.50, as toLocaleString writes it, without its cost (it dominates generating a million rows). */
function money(value: number): string {
  const [whole, cents] = value.toFixed(2).split(".") as [string, string];
  return `$${whole.replace(/\B(?=(\d{3})+$)/g, ",")}.${cents}`;
}
const pct = (value: number) => `${Math.abs(value).toFixed(1)}%`;
const move = (g: TemplateInput) => (g.change >= 0 ? g.random.pick(UP) : g.random.pick(DOWN));
const driver = (g: TemplateInput) => (g.change >= 0 ? g.random.pick(DRIVERS_UP) : g.random.pick(DRIVERS_DOWN));

const TEMPLATES: Template[] = [
  (g) => ({ text: `Gold ${move(g)} ${pct(g.change)} to ${money(g.price)} an ounce ${driver(g)}`, symbols: ["XAUUSD"] }),
  (g) => ({ text: `XAU/USD ${move(g)} near ${money(Math.round(g.price))} ${driver(g)}`, symbols: ["XAUUSD"] }),
  (g) => ({
    text: `Spot gold ${move(g)}, US gold futures settle at ${money(g.price + g.random.int(5, 25))}`,
    symbols: ["XAUUSD", "GC"],
  }),
  (g) => ({
    text:
      `SPDR Gold Trust (GLD) holdings ${g.change >= 0 ? "rise" : "fall"} ${g.random.int(1, 90) / 10} tonnes ` +
      `to ${(800 + g.random.int(0, 900) / 10).toFixed(1)} tonnes`,
    symbols: ["GLD"],
  }),
  (g) => ({
    text: `iShares Gold Trust (IAU) sees ${g.change >= 0 ? "inflows" : "outflows"} of $${g.random.int(20, 400)} million this week`,
    symbols: ["IAU"],
  }),
  (g) => {
    const miner = g.random.pick(MINERS);
    return {
      text:
        `${miner.name} (${miner.symbol}) ${move(g)} ${pct(g.change * 2.5)} ` +
        `as bullion ${g.change >= 0 ? "tops" : "dips below"} ${money(Math.round(g.price / 10) * 10)}`,
      symbols: [miner.symbol, "XAUUSD"],
    };
  },
  (g) => ({ text: `Gold miners ETF (GDX) ${move(g)} ${pct(g.change * 2)} ${driver(g)}`, symbols: ["GDX"] }),
  (g) => ({
    text:
      `Dollar index (DXY) ${g.change >= 0 ? "slips" : "climbs"} to ${(100 + g.random.int(0, 80) / 10).toFixed(1)}, ` +
      `${g.change >= 0 ? "lifting" : "pressuring"} gold`,
    symbols: ["DXY", "XAUUSD"],
  }),
  (g) => ({
    text:
      `10-year TIPS yield ${g.change >= 0 ? "falls" : "rises"} to ${(1 + g.random.int(0, 150) / 100).toFixed(2)}%, ` +
      `${g.change >= 0 ? "supporting" : "weighing on"} bullion`,
    symbols: ["TIP", "XAUUSD"],
  }),
  (g) => ({
    text:
      `Central banks added ${g.random.int(10, 120)} tonnes of gold ` +
      `in ${g.random.pick(["January", "February", "March", "the quarter", "the month"])}, WGC says`,
    symbols: ["XAUUSD"],
  }),
  (g) => ({
    text:
      `Gold steady near ${money(Math.round(g.price))} as traders await ` +
      `${g.random.pick(["nonfarm payrolls", "the Fed", "CPI data", "Powell's testimony", "PCE inflation"])}`,
    symbols: ["XAUUSD"],
  }),
  (g) => ({
    text: `Gold and GLD ${move(g)} while miners (GDX, NEM) ${g.random.chance(0.5) ? "outperform" : "lag"} ${driver(g)}`,
    symbols: ["XAUUSD", "GLD", "GDX", "NEM"],
  }),
];

const BROKEN_ROWS = [
  { field: "published_at", value: "0201-04-20" },
  { field: "published_at", value: "31-02-2024" },
  { field: "published_at", value: "next tuesday" },
  { field: "headline", value: "" },
  { field: "published_at", value: "" },
] as const;

/** Realistic gold-market headlines across trading days, in time order; the same seed gives the same rows. */
export function* generateHeadlines(options: GenerateOptions): Generator<GeneratedHeadline> {
  const random = new SeededRandom(options.seed);
  const firstDay = Date.parse(`${options.start ?? "2023-01-02"}T00:00:00Z`);
  const tradingDays = Math.min(500, Math.max(1, Math.ceil(options.count / 40)));
  const perDay = options.count / tradingDays;
  const badEvery = options.badRows ? Math.floor(options.count / options.badRows) : 0;
  const anchor = 1850 + random.int(0, 200);
  let price = anchor;
  let emitted = 0;
  let day = firstDay;
  for (let dayIndex = 0; dayIndex < tradingDays; dayIndex++) {
    day = nextTradingDay(day, dayIndex === 0);
    const rowsToday = Math.round(perDay * (dayIndex + 1)) - Math.round(perDay * dayIndex);
    const minutes = Array.from({ length: rowsToday }, () => random.next()).sort((a, b) => a - b);
    for (const fraction of minutes) {
      const change = (random.next() - 0.48) * 2.4;
      price = price * (1 + change / 1000) + (anchor - price) * 0.01;
      const template = random.pick(TEMPLATES)({ random, price, change });
      const source = random.pick(SOURCES);
      const session = pickSession(random);
      const localMinute = session.open + fraction * (session.close - session.open);
      const row: GeneratedHeadline = {
        id: `${source.domain.split(".")[0]}-${options.seed}-${emitted + 1}`,
        headline: template.text,
        summary:
          `${source.name} reports: ${template.text.charAt(0).toLowerCase()}${template.text.slice(1)}; ` +
          `spot gold last traded at ${money(price)} an ounce.`,
        published_at: localTime(day, localMinute, random.int(0, 59), session.offset),
        symbols: template.symbols,
        source: source.name,
        url: `https://www.${source.domain}/${source.path}/${slug(template.text)}-${random.int(100000, 999999)}`,
      };
      emitted++;
      yield badEvery && emitted % badEvery === 0 && emitted / badEvery <= (options.badRows ?? 0)
        ? breakRow(row, emitted / badEvery - 1)
        : row;
    }
  }
}

function breakRow(row: GeneratedHeadline, which: number): GeneratedHeadline {
  const broken = BROKEN_ROWS[which % BROKEN_ROWS.length]!;
  return { ...row, [broken.field]: broken.value };
}

function nextTradingDay(from: number, inclusive: boolean): number {
  let day = inclusive ? from : from + 86_400_000;
  while ([0, 6].includes(new Date(day).getUTCDay())) day += 86_400_000;
  return day;
}

function pickSession(random: SeededRandom) {
  let roll = random.next();
  for (const session of SESSIONS) {
    roll -= session.weight;
    if (roll < 0) return session;
  }
  return SESSIONS[SESSIONS.length - 1]!;
}

function localTime(dayUtc: number, localMinute: number, second: number, offset: string): string {
  const date = new Date(dayUtc + Math.floor(localMinute) * 60_000 + second * 1000);
  return `${date.toISOString().slice(0, 19)}${offset}`;
}

function slug(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-|-$/g, "")
    .slice(0, 60);
}
