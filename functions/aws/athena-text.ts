import type { Json } from "@duckdb/node-api";

/**
 * Athena answers an array, a map or a row as text: `[DXY, XAUUSD]`, `{negative=0.1, positive=0.9}`,
 * `{file=incoming/a.csv, line=2}`. This reads it back into JSON, as the local path prints it: arrays as
 * arrays, maps and rows as objects, numbers as numbers, `null` as null. The text does not say an element's
 * type or quote strings, so a string that reads as a number comes back as one, and one holding `, ` or a
 * bracket cannot be told apart: such values are returned as the text Athena gave.
 */
export function parseAthenaCollection(text: string): Json {
  let at = 0;
  const fail = (): never => {
    throw new SyntaxError(`not Athena's collection text at character ${at + 1}`);
  };
  const skipSpace = () => {
    while (text[at] === " ") at++;
  };
  const scalar = (stops: string): Json => {
    const start = at;
    while (at < text.length && !stops.includes(text[at]!)) at++;
    const raw = text.slice(start, at).trim();
    if (raw === "null") return null;
    return /^-?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(raw) && Number.isFinite(Number(raw)) ? Number(raw) : raw;
  };
  const value = (stops: string): Json => {
    skipSpace();
    if (text[at] === "[") return list();
    if (text[at] === "{") return entries();
    return scalar(stops);
  };
  const list = (): Json[] => {
    at++;
    const items: Json[] = [];
    skipSpace();
    if (text[at] === "]") {
      at++;
      return items;
    }
    for (;;) {
      items.push(value(",]"));
      if (text[at] === "]") break;
      if (text[at] !== ",") fail();
      at++;
    }
    at++;
    return items;
  };
  const entries = (): { [key: string]: Json } => {
    at++;
    const object: { [key: string]: Json } = {};
    skipSpace();
    if (text[at] === "}") {
      at++;
      return object;
    }
    for (;;) {
      skipSpace();
      const start = at;
      while (at < text.length && text[at] !== "=") at++;
      if (text[at] !== "=") fail();
      const key = text.slice(start, at);
      at++;
      object[key] = value(",}");
      if (text[at] === "}") break;
      if (text[at] !== ",") fail();
      at++;
    }
    at++;
    return object;
  };
  try {
    const parsed = value("");
    return at === text.length ? parsed : text;
  } catch {
    return text;
  }
}
