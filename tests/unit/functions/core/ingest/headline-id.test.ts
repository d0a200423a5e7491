import { describe, expect, it } from "vitest";
import { headlineId } from "../../../../../functions/core/ingest/headline-id.ts";

describe("headlineId", () => {
  it("keeps the source's id", () => {
    expect(headlineId("reuters-42", "Gold rises", "2024-03-01T00:00:00.000Z")).toBe("reuters-42");
  });

  it("hashes headline and time when there is no id, ignoring case", () => {
    const id = headlineId(undefined, "Gold rises", "2024-03-01T00:00:00.000Z");
    expect(id).toMatch(/^h-[0-9a-f]{32}$/);
    expect(headlineId("", "GOLD RISES", "2024-03-01T00:00:00.000Z")).toBe(id);
    expect(headlineId(undefined, "Gold rises", "2024-03-02T00:00:00.000Z")).not.toBe(id);
    expect(headlineId(undefined, "Gold falls", "2024-03-01T00:00:00.000Z")).not.toBe(id);
  });
});
