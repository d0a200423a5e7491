import { describe, expect, it } from "vitest";
import { trinoType } from "../../../checks/trino-type.ts";
import { repositoryTableDefinition } from "../../../local/query/table-definition.ts";

describe("trinoType", () => {
  it("spells the table's Hive types as Trino's", () => {
    const table = repositoryTableDefinition();
    const types = Object.fromEntries([...table.Columns, ...table.PartitionKeys].map((c) => [c.Name, trinoType(c.Type)]));
    expect(types).toMatchObject({
      id: "varchar",
      published_at: "timestamp(3)",
      symbols: "array(varchar)",
      origin: "row(file varchar, line bigint)",
      score: "double",
      probs: "map(varchar, double)",
      year: "integer",
    });
  });

  it("nests", () => {
    expect(trinoType("array<struct<name:string, weights:map<string,int>>>")).toBe(
      "array(row(name varchar, weights map(varchar, integer)))",
    );
  });
});
