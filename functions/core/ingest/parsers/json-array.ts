import { BadInputError } from "../../errors.ts";
import { requireHeadlineObject, unreadableRow, type InputRecord } from "../input-shapes.ts";
import { MAX_RECORD_CHARS } from "./delimited.ts";
import { jsonValueRecord } from "./json-lines.ts";

const QUOTE = 34;
const BACKSLASH = 92;
const OPEN_BRACE = 123;
const CLOSE_BRACE = 125;
const OPEN_BRACKET = 91;
const CLOSE_BRACKET = 93;
const COMMA = 44;
const NEWLINE = 10;

/**
 * A JSON array of headline objects, streamed: the scanner cuts out one element at a time and only
 * that element is parsed, so a 1 GB array never sits in memory. Each element's line is where it starts.
 */
export async function* parseJsonArray(text: AsyncIterable<string>): AsyncGenerator<InputRecord[]> {
  const scanner = new ArrayScanner();
  let first = true;
  const checked = (batch: InputRecord[]) => {
    if (first && batch.length) requireHeadlineObject(batch[0]!, "the array's first element");
    first &&= batch.length === 0;
    return batch;
  };
  for await (const chunk of text) {
    const batch = checked(scanner.push(chunk));
    if (batch.length) yield batch;
  }
  const tail = checked(scanner.end());
  if (tail.length) yield tail;
}

class ArrayScanner {
  /** "ignoring": text after the closing bracket was reported once; the rest is skipped. */
  #state: "before" | "between" | "element" | "after" | "ignoring" = "before";
  #line = 1;
  #depth = 0;
  #inString = false;
  #escaped = false;
  #element = "";
  #elementLine = 0;
  #tooLong = false;

  push(chunk: string): InputRecord[] {
    const records: InputRecord[] = [];
    if (this.#state === "ignoring") return records;
    let elementStart = this.#state === "element" ? 0 : -1;
    for (let i = 0; i < chunk.length; i++) {
      const code = chunk.charCodeAt(i);
      if (code === NEWLINE) this.#line++;
      switch (this.#state) {
        case "before":
          if (code === OPEN_BRACKET) this.#state = "between";
          else if (!isSpace(code))
            throw new BadInputError(
              "the file starts like JSON but is not an array of objects",
              "give one JSON array, or one object per line (JSONL)",
            );
          break;
        case "between":
          if (code === CLOSE_BRACKET) this.#state = "after";
          else if (code !== COMMA && !isSpace(code)) {
            this.#state = "element";
            this.#element = "";
            this.#elementLine = this.#line;
            this.#tooLong = false;
            elementStart = i;
            i--;
          }
          break;
        case "element": {
          if (this.#inString) {
            if (this.#escaped) this.#escaped = false;
            else if (code === BACKSLASH) this.#escaped = true;
            else if (code === QUOTE) this.#inString = false;
            break;
          }
          if (code === QUOTE) this.#inString = true;
          else if (code === OPEN_BRACE || code === OPEN_BRACKET) this.#depth++;
          else if (code === CLOSE_BRACE || (code === CLOSE_BRACKET && this.#depth > 0)) this.#depth--;
          else if (this.#depth === 0 && (code === COMMA || code === CLOSE_BRACKET)) {
            records.push(this.#finish(chunk.slice(elementStart, i)));
            this.#state = code === COMMA ? "between" : "after";
            elementStart = -1;
          }
          break;
        }
        case "after":
          if (!isSpace(code)) {
            records.push(unreadableRow(chunk.slice(i, i + 200), this.#line, "malformed JSON", "text after the end of the JSON array"));
            this.#state = "ignoring";
            return records;
          }
      }
    }
    if (this.#state === "element" && elementStart !== -1) this.#append(chunk.slice(elementStart));
    return records;
  }

  end(): InputRecord[] {
    if (this.#state === "before") throw new BadInputError("the JSON file is empty", "give a JSON array of headline objects");
    if (this.#state !== "element" || this.#element.trim() === "") return [];
    return [unreadableRow(this.#element.slice(0, 1000), this.#elementLine, "truncated JSON", "the file ends inside this element")];
  }

  #append(text: string) {
    if (this.#tooLong) return;
    this.#element += text;
    if (this.#element.length > MAX_RECORD_CHARS) {
      this.#element = this.#element.slice(0, 1000);
      this.#tooLong = true;
    }
  }

  #finish(lastPiece: string): InputRecord {
    this.#append(lastPiece);
    const text = this.#element.trimEnd();
    this.#element = "";
    if (this.#tooLong)
      return unreadableRow(text, this.#elementLine, "row too long", `the element is longer than ${MAX_RECORD_CHARS} characters`);
    return jsonValueRecord(text, this.#elementLine);
  }
}

const isSpace = (code: number) => code === 32 || code === 10 || code === 13 || code === 9;
