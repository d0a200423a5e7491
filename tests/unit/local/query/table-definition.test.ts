import { describe, expect, it } from "vitest";
import { CURATED_PREFIX } from "../../../../functions/core/lake-keys.ts";
import { repositoryTableDefinition } from "../../../../local/query/table-definition.ts";

describe("repositoryTableDefinition", () => {
  it("reads the repository's athena/headline_sentiment.yml once per process", () => {
    const table = repositoryTableDefinition();
    expect(table).toMatchObject({ Database: "goldpipe", Name: "headline_sentiment", LocationPrefix: CURATED_PREFIX });
    expect(repositoryTableDefinition()).toBe(table);
  });
});
