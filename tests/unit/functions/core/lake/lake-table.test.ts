import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { withDuckDB } from "../../../../../functions/core/lake/duckdb.ts";
import { SCORED_HEADLINE_DUCKDB_COLUMNS } from "../../../../../functions/core/headline.ts";
import {
  MAX_REFRESH_STATEMENT_BYTES,
  createTableDdl,
  duckdbType,
  duckdbViewSql,
  parseTableDefinition,
  partitionsOfRefreshStatement,
  qualifiedName,
  refreshStatements,
  TABLE_DEFINITION_PATH,
} from "../../../../../functions/core/lake/lake-table.ts";
import { CURATED_PREFIX } from "../../../../../functions/core/lake-keys.ts";

const table = parseTableDefinition(readFileSync(TABLE_DEFINITION_PATH, "utf8"), TABLE_DEFINITION_PATH);

describe("the table definition (athena/headline_sentiment.yml)", () => {
  it("has the scored contract's columns, in order, with Athena types holding the same values", () => {
    expect(table.Columns.map((c) => c.Name)).toEqual(Object.keys(SCORED_HEADLINE_DUCKDB_COLUMNS));
    for (const column of table.Columns) {
      const contract = SCORED_HEADLINE_DUCKDB_COLUMNS[column.Name as keyof typeof SCORED_HEADLINE_DUCKDB_COLUMNS];
      // Athena's timestamp reads the files' UTC-adjusted timestamps; DuckDB calls those TIMESTAMPTZ.
      expect(duckdbType(column.Type), column.Name).toBe(contract === "TIMESTAMPTZ" ? "TIMESTAMP" : contract);
    }
  });

  it("is partitioned by int year, month, day under the curated prefix, in database goldpipe", () => {
    expect(qualifiedName(table)).toBe("goldpipe.headline_sentiment");
    expect(qualifiedName(table, "goldpipe_dev")).toBe("goldpipe_dev.headline_sentiment");
    expect(table.PartitionKeys.map((k) => `${k.Name} ${k.Type}`)).toEqual(["year int", "month int", "day int"]);
    expect(table.LocationPrefix).toBe(CURATED_PREFIX);
    expect(table.SerdeInfo.SerializationLibrary).toBe("org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe");
  });

  it("refuses a definition that is not one, naming the file and the field", () => {
    const broken = readFileSync(TABLE_DEFINITION_PATH, "utf8").replace("LocationPrefix: curated/headline_sentiment/", "LocationPrefix: x/");
    expect(() => parseTableDefinition(broken, "broken.yml")).toThrow(/broken\.yml is not a table definition[\s\S]*LocationPrefix/);
  });
});

describe("duckdbType", () => {
  it("translates nested Athena types", () => {
    expect(duckdbType("array<struct<a:int, b:map<string,array<double>>>>")).toBe("STRUCT(a INTEGER, b MAP(VARCHAR, DOUBLE[]))[]");
    expect(duckdbType("BIGINT")).toBe("BIGINT");
  });
  it("names what it cannot translate", () => {
    expect(() => duckdbType("uniontype<int,string>")).toThrow(/unsupported Athena type "uniontype<int,string>"/);
    expect(() => duckdbType("array<string")).toThrow(/unsupported/);
    expect(() => duckdbType("string extra")).toThrow(/unsupported/);
  });
});

describe("createTableDdl", () => {
  it("declares the Glue table as Athena DDL", () => {
    const ddl = createTableDdl(table, "s3://lake-bucket/");
    expect(ddl).toBe(
      [
        "CREATE EXTERNAL TABLE IF NOT EXISTS `goldpipe`.`headline_sentiment` (",
        "  `id` string COMMENT 'source id, else a stable hash of normalized headline and published time',",
        "  `headline` string,",
        "  `published_at` timestamp COMMENT 'UTC',",
        "  `symbols` array<string> COMMENT 'instruments: the symbols the file gave, then those tagged from the text',",
        "  `tagged_symbols` array<string> COMMENT 'which of symbols were tagged from the text',",
        "  `source` string,",
        "  `url` string,",
        "  `origin` struct<file:string,line:bigint> COMMENT 'dropped file key and line',",
        "  `label` string,",
        "  `score` double COMMENT 'confidence of label',",
        "  `probs` map<string,double> COMMENT 'probability per label',",
        "  `intensity` string COMMENT 'weak | moderate | strong',",
        "  `price_direction` string COMMENT 'up | constant | down | none; null when the model has no such head',",
        "  `price_direction_score` double COMMENT 'confidence of price_direction',",
        "  `model` string,",
        "  `run_id` string,",
        "  `shard_id` string,",
        "  `scored_at` timestamp COMMENT 'UTC'",
        ")",
        "PARTITIONED BY (",
        "  `year` int COMMENT 'UTC year of published_at',",
        "  `month` int COMMENT 'UTC month of published_at, 1-12',",
        "  `day` int COMMENT 'UTC day of month of published_at'",
        ")",
        "ROW FORMAT SERDE 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe'",
        "WITH SERDEPROPERTIES ('serialization.format' = '1')",
        "STORED AS INPUTFORMAT 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat'",
        "OUTPUTFORMAT 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat'",
        "LOCATION 's3://lake-bucket/curated/headline_sentiment/'",
        "TBLPROPERTIES ('classification' = 'parquet', 'parquet.compression' = 'ZSTD')",
      ].join("\n"),
    );
  });

  it("has a DuckDB equivalent that creates the same columns and types", async () => {
    const described = await withDuckDB(async (db) => {
      await db.run("CREATE SCHEMA goldpipe");
      await db.run(duckdbViewSql(table, "/nonexistent-lake", false));
      return (await db.runAndReadAll("DESCRIBE goldpipe.headline_sentiment")).getRowObjectsJS();
    });
    expect(described.map((c) => [c.column_name, c.column_type])).toEqual(
      [...table.Columns, ...table.PartitionKeys].map((c) => [c.Name, duckdbType(c.Type)]),
    );
  });
});

describe("refreshStatements", () => {
  const march = (day: number) => ({ year: 2024, month: 3, day });
  const daysFrom = (start: number, count: number) =>
    Array.from({ length: count }, (_, i) => {
      const date = new Date(start + i * 86_400_000);
      return { year: date.getUTCFullYear(), month: date.getUTCMonth() + 1, day: date.getUTCDate() };
    });

  it("adds each partition once, in date order, with its zero-padded location", () => {
    const statements = refreshStatements("goldpipe.headline_sentiment", [march(10), march(2), march(10)], "s3://lake-bucket/");
    expect(statements).toEqual([
      "ALTER TABLE goldpipe.headline_sentiment ADD IF NOT EXISTS\n" +
        "  PARTITION (year = 2024, month = 3, day = 2) " +
        "LOCATION 's3://lake-bucket/curated/headline_sentiment/year=2024/month=03/day=02/'\n" +
        "  PARTITION (year = 2024, month = 3, day = 10) LOCATION 's3://lake-bucket/curated/headline_sentiment/year=2024/month=03/day=10/'",
    ]);
    expect(partitionsOfRefreshStatement(statements[0]!)).toEqual([march(2), march(10)]);
  });

  it("is no statement when the run wrote no partition", () => {
    expect(refreshStatements("goldpipe.headline_sentiment", [], "s3://lake-bucket/")).toEqual([]);
  });

  it("splits the real data set's 3,391 days into statements under the size limit, never MSCK REPAIR TABLE", () => {
    const days = daysFrom(Date.UTC(2000, 0, 1), 3391);
    const lakeUri = "s3://goldpipe-prod-lake-123456789012-us-east-1/";
    const statements = refreshStatements("goldpipe.headline_sentiment", days, lakeUri);

    expect(statements.length).toBeGreaterThan(1);
    for (const statement of statements) {
      expect(Buffer.byteLength(statement)).toBeLessThanOrEqual(MAX_REFRESH_STATEMENT_BYTES);
      expect(statement).toMatch(/^ALTER TABLE goldpipe\.headline_sentiment ADD IF NOT EXISTS\n/);
    }
    expect(statements.join("\n")).not.toMatch(/MSCK/i);
    // Every day registered exactly once, by its integer values, at the one location those values give.
    expect(statements.flatMap(partitionsOfRefreshStatement)).toEqual(days);
    const locations = [...statements.join("\n").matchAll(/PARTITION \(year = (\d+), month = (\d+), day = (\d+)\) LOCATION '([^']+)'/g)];
    expect(locations).toHaveLength(days.length);
    for (const [, year, month, day, location] of locations) {
      expect(location).toBe(
        `${lakeUri}curated/headline_sentiment/year=${year}/month=${month!.padStart(2, "0")}/day=${day!.padStart(2, "0")}/`,
      );
      expect(`${year}-${month}-${day}`).toMatch(/^\d{4}-[1-9]\d?-[1-9]\d?$/);
    }
    expect(new Set(locations.map((m) => m[4])).size).toBe(days.length);
  });

  it("refuses to read other SQL as a refresh", () => {
    expect(() => partitionsOfRefreshStatement("MSCK REPAIR TABLE goldpipe.headline_sentiment")).toThrow(
      /not a partition refresh statement/,
    );
  });
});
