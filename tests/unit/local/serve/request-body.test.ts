import { describe, expect, it } from "vitest";
import { requestRecords } from "../../../../local/serve/request-body.ts";

describe("a request body", () => {
  it("is an object, a list or JSON Lines, read with ingest's field names", () => {
    expect(requestRecords('{"title": "Gold rises", "date": "01-03-2024"}', "application/json")).toMatchObject({
      shape: "object",
      records: [{ line: 1, values: { headline: "Gold rises", published_at: "01-03-2024" } }],
    });
    expect(requestRecords('[{"headline": "a"}, {"headline": "b"}]', "application/json; charset=utf-8")).toMatchObject({
      shape: "list",
      records: [
        { line: 1, values: { headline: "a" } },
        { line: 2, values: { headline: "b" } },
      ],
    });
    expect(requestRecords('{"headline": "a"}\n\n{"headline": "b"}\n', "application/jsonlines")).toMatchObject({
      shape: "jsonl",
      records: [
        { line: 1, values: { headline: "a" } },
        { line: 3, values: { headline: "b" } },
      ],
    });
    expect(requestRecords('{"headline": "a"}\n{"headline": "b"}', undefined)).toMatchObject({ shape: "jsonl" });
  });

  it("marks an item that is not an object, and says why a body is not a request", () => {
    expect(requestRecords("[1]", "application/json")).toMatchObject({ records: [{ problem: { reason: "not a JSON object" } }] });
    expect(requestRecords("{oops", "application/json")).toMatch(/^the body is not JSON \(/);
    expect(requestRecords('"Gold"', "application/json")).toMatch(/^the body is a JSON string: send/);
  });
});
