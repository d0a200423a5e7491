import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { runSettingsFromEnvironment } from "../../../functions/aws/run-settings.ts";

/**
 * `osls package` of serverless.yml, once, offline (dummy credentials: any AWS call would fail),
 * and the CloudFormation template and function packages it writes, read as the stack's spec: each
 * function with only the permissions it uses, a private encrypted bucket, the queues, the workflow,
 * Athena, alarms and the per-stage parameters.
 */

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const STAGE = "dev";
/** The gpu-job image's digest the stage is deployed with (README, Deploy to AWS). */
const IMAGE_DIGEST = `sha256:${"ab".repeat(32)}`;
/** cfn-lint and checkov, from requirements-tools.txt (make setup). */
const TOOLS_BIN = path.join(ROOT, ".venv-tools", "bin");

interface Resource {
  Type: string;
  Properties: Record<string, any>;
  DependsOn?: string | string[];
  Condition?: string;
}
interface Template {
  Conditions: Record<string, unknown>;
  Resources: Record<string, Resource>;
  Outputs: Record<string, { Value: unknown }>;
}

const OSLS_ENV = {
  PATH: `${path.dirname(process.execPath)}:${process.env.PATH}`,
  HOME: process.env.HOME,
  AWS_ACCESS_KEY_ID: "AKIAPACKAGEONLY00000",
  AWS_SECRET_ACCESS_KEY: "package-only-no-aws-call-may-succeed",
  AWS_EC2_METADATA_DISABLED: "true",
  SLS_TELEMETRY_DISABLED: "1",
  SLS_NOTIFICATIONS_MODE: "off",
};
const osls = (...args: string[]) =>
  execFileSync(path.join(ROOT, "node_modules/.bin/osls"), args, { cwd: ROOT, env: OSLS_ENV, stdio: "pipe", encoding: "utf8" });

let packageDir: string;
let template: Template;

beforeAll(() => {
  packageDir = mkdtempSync(path.join(os.tmpdir(), "goldpipe-stack-"));
  const started = performance.now();
  osls("package", "--stage", STAGE, "--package", packageDir, `--param=jobImageDigest=${IMAGE_DIGEST}`);
  console.log(`osls package: ${((performance.now() - started) / 1000).toFixed(1)} s`);
  template = JSON.parse(readFileSync(path.join(packageDir, "cloudformation-template-update-stack.json"), "utf8"));
});

afterAll(() => rmSync(packageDir, { recursive: true, force: true }));

const resource = (id: string): Resource => {
  const found = template.Resources[id];
  if (!found) throw new Error(`the template has no resource ${id}`);
  return found;
};
const ofType = (type: string) => Object.entries(template.Resources).filter(([, r]) => r.Type === type);

/** The template's conditions for this stage's parameters (only Not/Equals over literals are used). */
function condition(name: string): boolean {
  const evaluate = (expression: any): boolean => {
    if (expression["Fn::Not"]) return !evaluate(expression["Fn::Not"][0]);
    if (expression["Fn::Equals"]) return expression["Fn::Equals"][0] === expression["Fn::Equals"][1];
    throw new Error(`condition ${name}: cannot evaluate ${JSON.stringify(expression)}`);
  };
  return evaluate(template.Conditions[name]);
}

/** A CloudFormation value as text, intrinsics written as ${Ref} / ${Id.Attr}, Fn::If decided for this stage. */
function text(value: any): string {
  if (typeof value === "string" || typeof value === "number") return String(value);
  if (value["Fn::Sub"] !== undefined) return Array.isArray(value["Fn::Sub"]) ? value["Fn::Sub"][0] : value["Fn::Sub"];
  if (value.Ref !== undefined) return `\${${value.Ref}}`;
  if (value["Fn::GetAtt"] !== undefined) return `\${${value["Fn::GetAtt"].join(".")}}`;
  if (value["Fn::Join"] !== undefined) return value["Fn::Join"][1].map(text).join(value["Fn::Join"][0]);
  if (value["Fn::If"] !== undefined) {
    const [name, whenTrue, whenFalse] = value["Fn::If"];
    return text(condition(name) ? whenTrue : whenFalse);
  }
  throw new Error(`cannot read ${JSON.stringify(value)} as text`);
}

const LAKE_OBJECT = "arn:${AWS::Partition}:s3:::${LakeBucket}/";

/** A policy resource in short form: lake keys as "lake:runs/*", the bucket as "lake", ${Id.Arn} as Id. */
function shortResource(value: unknown): string {
  const arn = text(value);
  if (arn.startsWith(LAKE_OBJECT)) return `lake:${arn.slice(LAKE_OBJECT.length)}`;
  if (arn === "${LakeBucket.Arn}") return "lake";
  const attribute = /^\$\{(\w+)\.Arn\}$/.exec(arn);
  if (attribute) return attribute[1]!;
  const ref = /^\$\{(\w+)\}$/.exec(arn);
  if (ref) return ref[1]!;
  return arn;
}

const asList = <T>(value: T | T[] | undefined): T[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

interface Statement {
  Sid?: string;
  Effect: "Allow" | "Deny";
  Action: string | string[];
  Resource: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}

function statementsOf(roleId: string): Statement[] {
  const policies = asList(resource(roleId).Properties.Policies) as { PolicyDocument: { Statement: any[] } }[];
  return policies
    .flatMap((policy) => policy.PolicyDocument.Statement)
    .flatMap((statement) => (statement["Fn::If"] ? [statement["Fn::If"][condition(statement["Fn::If"][0]) ? 1 : 2]] : [statement]))
    .filter((statement) => statement.Ref !== "AWS::NoValue");
}

/** action → the short resources it is allowed on, from every Allow statement except the logs ones. */
function grants(roleId: string): Record<string, string[]> {
  const byAction: Record<string, Set<string>> = {};
  for (const statement of statementsOf(roleId).filter((s) => s.Effect === "Allow")) {
    for (const action of asList(statement.Action)) {
      if (action.startsWith("logs:") && roleId.endsWith("IamRoleLambdaExecution")) continue;
      const resources = byAction[action] ?? new Set();
      for (const r of asList(statement.Resource)) resources.add(shortResource(r));
      byAction[action] = resources;
    }
  }
  return Object.fromEntries(Object.entries(byAction).map(([action, resources]) => [action, [...resources].sort()]));
}

// The functions, their source files (docs/contracts.md) and what each one's code touches.
const FUNCTIONS = {
  fanout: { file: "fanout", logicalId: "FanoutLambdaFunction" },
  segment: { file: "segment", logicalId: "SegmentLambdaFunction" },
  seal: { file: "seal", logicalId: "SealLambdaFunction" },
  scheduledSeal: { file: "scheduled-seal", logicalId: "ScheduledSealLambdaFunction" },
  finalizeRun: { file: "finalize-run", logicalId: "FinalizeRunLambdaFunction" },
  merge: { file: "merge", logicalId: "MergeLambdaFunction" },
  report: { file: "report", logicalId: "ReportLambdaFunction" },
  realtimeMerge: { file: "realtime-merge", logicalId: "RealtimeMergeLambdaFunction" },
} as const;
type FunctionKey = keyof typeof FUNCTIONS;
const FUNCTION_KEYS = Object.keys(FUNCTIONS) as FunctionKey[];

const SQS_POLL = ["sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ReceiveMessage"];
const poll = (queue: string) => Object.fromEntries(SQS_POLL.map((action) => [action, [queue]]));
const SEAL_GRANTS = {
  "s3:GetObject": [
    "lake:ingest/*",
    "lake:locks/runs/*",
    "lake:locks/seal/*",
    "lake:pending/*",
    "lake:runs/*/manifest.json",
    "lake:runs/*/shards/*",
  ],
  "s3:PutObject": [
    "lake:locks/runs/*",
    "lake:locks/seal/*",
    "lake:runs/*/executions/*/shards.json",
    "lake:runs/*/manifest.json",
    "lake:runs/*/shards/*",
  ],
  "s3:DeleteObject": ["lake:locks/runs/*", "lake:locks/seal/*", "lake:pending/*"],
  "s3:ListBucket": ["lake"],
  "states:StartExecution": ["PipelineStateMachine"],
  "states:DescribeExecution": ["arn:${AWS::Partition}:states:${AWS::Region}:${AWS::AccountId}:execution:goldpipe-dev-pipeline:*"],
};
const WORKGROUP = "arn:${AWS::Partition}:athena:${AWS::Region}:${AWS::AccountId}:workgroup/${AthenaWorkGroup}";
/** What a partition refresh on Athena needs beyond the workgroup: the catalog, Lake Formation, the table's partitions in Glue. */
const CATALOG_GRANTS = {
  "athena:GetDataCatalog": ["arn:${AWS::Partition}:athena:${AWS::Region}:${AWS::AccountId}:datacatalog/AwsDataCatalog"],
  "lakeformation:GetDataAccess": ["*"],
  ...Object.fromEntries(
    [
      "glue:GetDatabase",
      "glue:GetTable",
      "glue:GetPartition",
      "glue:GetPartitions",
      "glue:BatchGetPartition",
      "glue:CreatePartition",
      "glue:BatchCreatePartition",
    ].map((action) => [
      action,
      [
        "arn:${AWS::Partition}:glue:${AWS::Region}:${AWS::AccountId}:catalog",
        "arn:${AWS::Partition}:glue:${AWS::Region}:${AWS::AccountId}:database/${GlueDatabase}",
        "arn:${AWS::Partition}:glue:${AWS::Region}:${AWS::AccountId}:table/${GlueDatabase}/${HeadlineSentimentTable}",
      ],
    ]),
  ),
};
const EXPECTED_GRANTS: Record<FunctionKey, Record<string, string[]>> = {
  fanout: {
    ...poll("UploadsQueue"),
    "s3:GetObject": ["lake:incoming/*", "lake:ingest/*", "lake:locks/ingest/*"],
    "s3:PutObject": ["lake:ingest/*", "lake:locks/ingest/*", "lake:quarantine/*", "lake:realtime/landed/*"],
    "s3:AbortMultipartUpload": ["lake:quarantine/*"],
    "s3:DeleteObject": ["lake:incoming/*", "lake:locks/ingest/*"],
    "s3:ListBucket": ["lake"],
    "sqs:SendMessage": ["HeadlinesQueue"],
    "sagemaker:InvokeEndpoint": ["arn:${AWS::Partition}:sagemaker:${AWS::Region}:${AWS::AccountId}:endpoint/goldpipe-dev-realtime"],
  },
  segment: {
    ...poll("HeadlinesQueue"),
    "s3:PutObject": ["lake:pending/*"],
  },
  seal: SEAL_GRANTS,
  scheduledSeal: SEAL_GRANTS,
  finalizeRun: {
    "s3:GetObject": ["lake:runs/*/manifest.json", "lake:runs/*/scores/*/_SUCCESS", "lake:runs/*/shard-status/*"],
    "s3:PutObject": ["lake:runs/*/manifest.json"],
    "s3:ListBucket": ["lake"],
  },
  merge: {
    "s3:GetObject": ["lake:curated/headline_sentiment/*", "lake:runs/*/merged.json", "lake:runs/*/scores/*"],
    "s3:PutObject": ["lake:curated/headline_sentiment/*", "lake:runs/*/merged.json", "lake:runs/*/refresh/*"],
    "s3:AbortMultipartUpload": ["lake:curated/headline_sentiment/*"],
    "s3:DeleteObject": ["lake:curated/headline_sentiment/*"],
    "s3:ListBucket": ["lake"],
  },
  report: {
    "s3:GetObject": ["lake:runs/*/manifest.json", "lake:runs/*/scores/*/metrics.json", "lake:runs/*/shard-billing/*"],
    "s3:PutObject": ["lake:runs/*/manifest.json", "lake:runs/*/report.json"],
    "s3:ListBucket": ["lake"],
    "cloudwatch:PutMetricData": ["*"],
  },
  realtimeMerge: {
    "s3:GetObject": [
      "lake:athena-results/*",
      "lake:curated/headline_sentiment/*",
      "lake:realtime/landed/*",
      "lake:runs/realtime-*/refresh/*",
      "lake:runs/realtime-*/scores/*",
    ],
    "s3:PutObject": [
      "lake:athena-results/*",
      "lake:curated/headline_sentiment/*",
      "lake:runs/realtime-*/refresh/*",
      "lake:runs/realtime-*/scores/*",
    ],
    "s3:AbortMultipartUpload": ["lake:athena-results/*", "lake:curated/headline_sentiment/*"],
    "s3:DeleteObject": ["lake:curated/headline_sentiment/*", "lake:realtime/landed/*"],
    "s3:ListBucket": ["lake"],
    "s3:GetBucketLocation": ["lake"],
    ...Object.fromEntries(
      ["athena:StartQueryExecution", "athena:GetQueryExecution", "athena:GetQueryResults"].map((a) => [a, [WORKGROUP]]),
    ),
    ...CATALOG_GRANTS,
  },
};

const roleOf = (key: FunctionKey) => /^\$\{(\w+)\.Arn\}$/.exec(text(resource(FUNCTIONS[key].logicalId).Properties.Role))![1]!;

describe("osls package", () => {
  it("writes a template and one package per function, without calling AWS", () => {
    for (const key of FUNCTION_KEYS) expect(existsSync(path.join(packageDir, `${key}.zip`)), `${key}.zip`).toBe(true);
  });
});

describe("the functions", () => {
  it.each(FUNCTION_KEYS)("%s runs its handler file on nodejs22.x, x86_64 (the DuckDB build npm installs here)", (key) => {
    const { Properties } = resource(FUNCTIONS[key].logicalId);
    expect(existsSync(path.join(ROOT, "functions", `${FUNCTIONS[key].file}.ts`))).toBe(true);
    expect(Properties.Handler).toBe(`functions/${FUNCTIONS[key].file}.handler`);
    expect(Properties.Runtime).toBe("nodejs22.x");
    expect(Properties.Architectures).toEqual(["x86_64"]);
    expect(text(Properties.Environment.Variables.BUCKET)).toBe("${LakeBucket}");
    expect(Properties.Environment.Variables.STAGE).toBe(STAGE);
  });

  it("each have a role of their own, assumed by Lambda only", () => {
    const roles = FUNCTION_KEYS.map(roleOf);
    expect(new Set(roles).size).toBe(FUNCTION_KEYS.length);
    for (const role of roles) {
      expect(resource(role).Properties.AssumeRolePolicyDocument.Statement).toEqual([
        { Effect: "Allow", Principal: { Service: ["lambda.amazonaws.com"] }, Action: ["sts:AssumeRole"] },
      ]);
      expect(resource(role).Properties.ManagedPolicyArns).toEqual([]);
    }
  });

  it.each(FUNCTION_KEYS)("%s's role holds only what its code uses", (key) => {
    expect(grants(roleOf(key))).toEqual(EXPECTED_GRANTS[key]);
  });

  it.each(FUNCTION_KEYS)("%s's role writes only its own log group", (key) => {
    const name = resource(FUNCTIONS[key].logicalId).Properties.FunctionName;
    const logs = statementsOf(roleOf(key)).filter((s) => asList(s.Action).some((a) => a.startsWith("logs:")));
    expect(logs.flatMap((s) => asList(s.Resource).map(text))).toEqual([
      `arn:\${AWS::Partition}:logs:\${AWS::Region}:\${AWS::AccountId}:log-group:/aws/lambda/${name}:*:*`,
    ]);
  });

  it("give seal and scheduled-seal the run settings the seal code reads, with this stage's parameters", () => {
    for (const key of ["seal", "scheduledSeal"] as const) {
      const variables = resource(FUNCTIONS[key].logicalId).Properties.Environment.Variables;
      const env = Object.fromEntries(Object.entries(variables).map(([name, value]) => [name, text(value)]));
      const settings = runSettingsFromEnvironment(env);
      expect(settings).toMatchObject({
        bucket: "${LakeBucket}",
        max_concurrency: 2,
        job: {
          image_uri: `\${GpuJobRepository.RepositoryUri}@${IMAGE_DIGEST}`,
          role_arn: "${GpuJobRole.Arn}",
          instance_type: "ml.g4dn.xlarge",
          model_s3_uri: "s3://${LakeBucket}/models/current/",
          capacity: "on-demand",
          max_wait_seconds: 14400,
        },
        athena: { database: "${GlueDatabase}", workgroup: "${AthenaWorkGroup}", output_location: "s3://${LakeBucket}/athena-results/" },
      });
      expect(env.STATE_MACHINE_ARN).toBe("${PipelineStateMachine}");
      // Empty: the planner sizes shards for the instance type and quota (and a deadline when one is set).
      expect([env.SHARD_SIZE, env.RUN_DEADLINE_SECONDS]).toEqual(["", ""]);
    }
    expect(resource("ScheduledSealLambdaFunction").Properties.Environment.Variables.SCHEDULE_CONFIG).toBe("");
    // One seal at a time each, so two do not take the same pending segments into two runs.
    expect(resource("SealLambdaFunction").Properties.ReservedConcurrentExecutions).toBe(1);
    expect(resource("ScheduledSealLambdaFunction").Properties.ReservedConcurrentExecutions).toBe(1);
    expect(text(resource("FanoutLambdaFunction").Properties.Environment.Variables.HEADLINES_QUEUE_URL)).toBe("${HeadlinesQueue}");
    expect(text(resource("MergeLambdaFunction").Properties.Environment.Variables.ATHENA_DATABASE)).toBe("${GlueDatabase}");
  });

  it("give merge 10 GB of memory and of /tmp: DuckDB takes 60% and spills past it (docs/lake.md)", () => {
    const merge = resource("MergeLambdaFunction").Properties;
    expect(merge.MemorySize).toBe(10240);
    expect(merge.EphemeralStorage).toEqual({ Size: 10240 });
  });

  it("no IAM role anywhere allows a * action, or a * resource where the action takes a narrower one", () => {
    // Actions whose API has no resource to name: allowed on *, and then only under a condition.
    const resourceless = new Set(["ecr:GetAuthorizationToken", "cloudwatch:PutMetricData", "lakeformation:GetDataAccess"]);
    const conditioned = new Set(["cloudwatch:PutMetricData"]);
    for (const [roleId] of ofType("AWS::IAM::Role")) {
      for (const statement of statementsOf(roleId).filter((s) => s.Effect === "Allow")) {
        for (const action of asList(statement.Action)) {
          expect(action, `${roleId}: ${action}`).not.toMatch(/\*/);
          const resources = asList(statement.Resource).map(text);
          if (resources.some((r) => r === "*")) {
            expect(resourceless.has(action), `${roleId}: ${action} on *`).toBe(true);
            if (conditioned.has(action)) expect(statement.Condition, `${roleId}: ${action} on * without a condition`).toBeDefined();
          }
          for (const r of resources) expect(r, `${roleId}: ${action}`).not.toMatch(/^arn:[^:]*:[^:]*:[^:]*:[^:]*:\*$/);
        }
      }
    }
  });
});

describe("the function packages", () => {
  const unzip = (zip: string, ...args: string[]) => execFileSync("unzip", [...args, zip], { encoding: "utf8", maxBuffer: 64 << 20 });
  const entries = (key: FunctionKey) =>
    unzip(path.join(packageDir, `${key}.zip`), "-Z1")
      .split("\n")
      .filter(Boolean);
  const bundle = (key: FunctionKey) =>
    execFileSync("unzip", ["-p", path.join(packageDir, `${key}.zip`), `functions/${FUNCTIONS[key].file}.mjs`], {
      encoding: "utf8",
      maxBuffer: 64 << 20,
    });

  const IMPORTS_DUCKDB = /(?:from|import)\s*["']@duckdb\/node-api["']/;

  it.each(FUNCTION_KEYS)("%s ships its bundle, DuckDB's linux-x64 build if it uses DuckDB, and the files it reads", (key) => {
    const files = entries(key);
    const code = bundle(key);
    expect(files).toContain(`functions/${FUNCTIONS[key].file}.mjs`);
    const usesDuckDB = IMPORTS_DUCKDB.test(code);
    const native = "node_modules/@duckdb/node-bindings-linux-x64/duckdb.node";
    expect(files.includes(native), `${key}: DuckDB native module`).toBe(usesDuckDB);
    if (code.includes("headline_sentiment.yml")) expect(files).toContain("athena/headline_sentiment.yml");
    expect(
      files.filter(
        (f) => f.startsWith("node_modules/") && !f.startsWith("node_modules/@duckdb/") && !f.startsWith("node_modules/detect-libc/"),
      ),
    ).toEqual([]);
  });

  it("DuckDB is where merge, seal and fanout need it", () => {
    for (const key of ["fanout", "seal", "scheduledSeal", "merge"] as const) {
      expect(IMPORTS_DUCKDB.test(bundle(key)), key).toBe(true);
    }
  });

  it.each(FUNCTION_KEYS)("%s loads from its own package alone on Node 22, and DuckDB answers where it ships", (key) => {
    const dir = mkdtempSync(path.join(os.tmpdir(), `goldpipe-${key}-`));
    try {
      unzip(path.join(packageDir, `${key}.zip`), "-q", "-d", dir);
      const probe = [
        `const m = await import(${JSON.stringify(path.join(dir, "functions", `${FUNCTIONS[key].file}.mjs`))});`,
        `if (typeof m.handler !== "function") throw new Error("no handler export");`,
        `if (${JSON.stringify(existsSync(path.join(dir, "node_modules/@duckdb/node-api")))}) {`,
        `  const { DuckDBInstance } = await import("@duckdb/node-api");`,
        `  const db = await (await DuckDBInstance.create(":memory:")).connect();`,
        `  console.log((await db.runAndReadAll("SELECT 6 * 7 AS answer")).getRowObjects()[0].answer);`,
        `} else console.log("no duckdb");`,
      ].join("\n");
      const out = execFileSync(process.execPath, ["--input-type=module", "-e", probe], {
        cwd: dir,
        env: { PATH: process.env.PATH, HOME: dir, LAMBDA_TASK_ROOT: dir, AWS_REGION: "us-east-1" },
        encoding: "utf8",
      });
      expect(out.trim()).toBe(existsSync(path.join(dir, "node_modules/@duckdb/node-api")) ? "42" : "no duckdb");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("merge reads the table definition from its own package", () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "goldpipe-merge-table-"));
    try {
      unzip(path.join(packageDir, "merge.zip"), "-q", "-d", dir);
      const invoke = () =>
        execFileSync(
          process.execPath,
          [
            "--input-type=module",
            "-e",
            `const { handler } = await import(${JSON.stringify(path.join(dir, "functions", `${FUNCTIONS.merge.file}.mjs`))});
             await handler({ run_id: "run-x" }, {}).catch((error) => console.log(error.message));`,
          ],
          { cwd: dir, env: { PATH: process.env.PATH, HOME: dir, LAMBDA_TASK_ROOT: dir, AWS_REGION: "us-east-1" }, encoding: "utf8" },
        );
      // The definition is read before the S3 client is built, so getting as far as the missing bucket means it was found.
      expect(invoke()).toMatch(/BUCKET is not set/);
      rmSync(path.join(dir, "athena/headline_sentiment.yml"));
      expect(invoke()).toMatch(/cannot read the table definition/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("the lake bucket", () => {
  const bucket = () => resource("LakeBucket").Properties;

  it("is encrypted, private and owner-enforced", () => {
    expect(bucket().BucketEncryption.ServerSideEncryptionConfiguration).toEqual([
      { ServerSideEncryptionByDefault: { SSEAlgorithm: "AES256" } },
    ]);
    expect(bucket().PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    expect(bucket().OwnershipControls.Rules).toEqual([{ ObjectOwnership: "BucketOwnerEnforced" }]);
  });

  it("refuses every request not made over TLS", () => {
    const policy = resource("LakeBucketPolicy").Properties;
    expect(text(policy.Bucket)).toBe("${LakeBucket}");
    const deny = policy.PolicyDocument.Statement.find((s: Statement) => s.Effect === "Deny");
    expect(deny).toMatchObject({ Principal: "*", Action: "s3:*", Condition: { Bool: { "aws:SecureTransport": false } } });
    expect(asList(deny.Resource).map(text).sort()).toEqual(["${LakeBucket.Arn}", "${LakeBucket.Arn}/*"]);
  });

  it("expires old quarantine, Athena results and ingest locks, never pending headlines, and cleans up abandoned uploads", () => {
    const rules = bucket().LifecycleConfiguration.Rules as Record<string, any>[];
    // Current versions; earlier versions have rules of their own (below).
    const byPrefix = (prefix: string) => rules.filter((r) => r.Prefix === prefix && !r.NoncurrentVersionExpiration);
    expect(byPrefix("quarantine/")).toEqual([expect.objectContaining({ Status: "Enabled", ExpirationInDays: 90 })]);
    expect(byPrefix("athena-results/")).toEqual([expect.objectContaining({ Status: "Enabled", ExpirationInDays: 7 })]);
    expect(byPrefix("locks/ingest/")).toEqual([expect.objectContaining({ Status: "Enabled", ExpirationInDays: 7 })]);
    expect(byPrefix("pending/")).toEqual([
      expect.objectContaining({ Status: "Enabled", AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 } }),
    ]);
    for (const rule of rules) {
      if (rule.ExpirationInDays !== undefined) expect(["quarantine/", "athena-results/", "locks/ingest/"]).toContain(rule.Prefix);
    }
  });

  it("keeps earlier versions: curated, runs and models for 30 days, the churn elsewhere for a day", () => {
    expect(bucket().VersioningConfiguration).toEqual({ Status: "Enabled" });
    const rules = bucket().LifecycleConfiguration.Rules as Record<string, any>[];
    const noncurrent = Object.fromEntries(
      rules.filter((r) => r.NoncurrentVersionExpiration).map((r) => [r.Prefix, r.NoncurrentVersionExpiration.NoncurrentDays]),
    );
    expect(noncurrent).toEqual({
      "curated/": 30,
      "runs/": 30,
      "models/": 30,
      "incoming/": 1,
      "ingest/": 1,
      "quarantine/": 1,
      "pending/": 1,
      "locks/": 1,
      "athena-results/": 1,
    });
    // S3 applies the shortest of overlapping expirations: no rule may cover the retained prefixes from above.
    for (const rule of rules.filter((r) => r.NoncurrentVersionExpiration)) expect(rule.Prefix).toMatch(/^[a-z-]+\/$/);
  });

  it("lets no role of the stack delete an object's versions or switch versioning off", () => {
    const forbidden = ["s3:DeleteObjectVersion", "s3:PutBucketVersioning", "s3:PutLifecycleConfiguration", "s3:PutBucketPolicy"];
    for (const [roleId] of ofType("AWS::IAM::Role")) {
      const actions = statementsOf(roleId)
        .filter((s) => s.Effect === "Allow")
        .flatMap((s) => asList(s.Action));
      expect(
        actions.filter((a) => forbidden.includes(a)),
        roleId,
      ).toEqual([]);
    }
  });

  it("tells the uploads queue of every object created under incoming/, and the queue lets only this bucket send", () => {
    expect(bucket().NotificationConfiguration.QueueConfigurations).toEqual([
      {
        Event: "s3:ObjectCreated:*",
        Queue: { "Fn::GetAtt": ["UploadsQueue", "Arn"] },
        Filter: { S3Key: { Rules: [{ Name: "prefix", Value: "incoming/" }] } },
      },
    ]);
    expect(asList(resource("LakeBucket").DependsOn)).toContain("UploadsQueuePolicy");
    const policy = resource("UploadsQueuePolicy").Properties;
    expect(policy.Queues.map(text)).toEqual(["${UploadsQueue}"]);
    const allow = policy.PolicyDocument.Statement.find((s: Statement) => s.Effect === "Allow");
    expect(allow).toMatchObject({ Principal: { Service: "s3.amazonaws.com" }, Action: "sqs:SendMessage" });
    expect(text(allow.Condition.ArnEquals["aws:SourceArn"])).toBe(`arn:\${AWS::Partition}:s3:::${text(bucket().BucketName)}`);
    expect(text(allow.Condition.StringEquals["aws:SourceAccount"])).toBe("${AWS::AccountId}");
  });
});

describe("the queues", () => {
  const queues = () => ofType("AWS::SQS::Queue");
  const deadLetterTargets = () =>
    new Set(
      queues().flatMap(([, q]) => (q.Properties.RedrivePolicy ? [shortResource(q.Properties.RedrivePolicy.deadLetterTargetArn)] : [])),
    );

  it("each have a dead-letter queue in the stack, after a few receives", () => {
    const dlqs = deadLetterTargets();
    expect([...dlqs].sort()).toEqual(["HeadlinesDeadLetterQueue", "UploadsDeadLetterQueue"]);
    for (const [id, queue] of queues()) {
      if (dlqs.has(id)) continue;
      const redrive = queue.Properties.RedrivePolicy;
      expect(redrive, `${id} has no DLQ`).toBeDefined();
      expect(template.Resources[shortResource(redrive.deadLetterTargetArn)]?.Type).toBe("AWS::SQS::Queue");
      expect(redrive.maxReceiveCount).toBeGreaterThanOrEqual(2);
      expect(redrive.maxReceiveCount).toBeLessThanOrEqual(10);
      const dlq = resource(shortResource(redrive.deadLetterTargetArn)).Properties;
      expect(dlq.MessageRetentionPeriod).toBeGreaterThanOrEqual(queue.Properties.MessageRetentionPeriod);
    }
  });

  it("are encrypted and refuse requests not made over TLS", () => {
    for (const [id, queue] of queues()) expect(queue.Properties.SqsManagedSseEnabled, id).toBe(true);
    for (const queue of ["UploadsQueue", "HeadlinesQueue"]) {
      const policy = ofType("AWS::SQS::QueuePolicy").find(([, p]) => p.Properties.Queues.map(text).includes(`\${${queue}}`));
      const deny = policy?.[1].Properties.PolicyDocument.Statement.find((s: Statement) => s.Effect === "Deny");
      expect(deny, queue).toMatchObject({ Action: "sqs:*", Condition: { Bool: { "aws:SecureTransport": false } } });
    }
  });

  it("feed their functions with partial batch failures, and hide a message for 6× the function's timeout", () => {
    const mappings = ofType("AWS::Lambda::EventSourceMapping").map(([, m]) => m.Properties);
    expect(mappings.map((m) => [shortResource(m.EventSourceArn), shortResource(m.FunctionName)]).sort()).toEqual([
      ["HeadlinesQueue", "SegmentLambdaFunction"],
      ["UploadsQueue", "FanoutLambdaFunction"],
    ]);
    for (const mapping of mappings) {
      expect(mapping.FunctionResponseTypes).toEqual(["ReportBatchItemFailures"]);
      const queue = resource(shortResource(mapping.EventSourceArn)).Properties;
      const fn = resource(shortResource(mapping.FunctionName)).Properties;
      expect(queue.VisibilityTimeout).toBeGreaterThanOrEqual(6 * fn.Timeout);
      // SQS needs a batching window for batches over 10; one dropped file per fanout gets the whole 15 minutes.
      if (mapping.BatchSize > 10) expect(mapping.MaximumBatchingWindowInSeconds).toBeGreaterThan(0);
    }
    const segment = mappings.find((m) => shortResource(m.FunctionName) === "SegmentLambdaFunction")!;
    expect(segment.MaximumBatchingWindowInSeconds).toBeGreaterThan(0);
  });
});

describe("the workflow", () => {
  const machine = () => resource("PipelineStateMachine").Properties;
  const asl = () => parseYaml(readFileSync(path.join(ROOT, "statemachines/pipeline.asl.yaml"), "utf8"));
  const scoreShard = () => JSON.parse(machine().DefinitionString).States.ScoreShards.ItemProcessor.States.ScoreShard;
  const scoreShardOnSpot = () => JSON.parse(machine().DefinitionString).States.ScoreShards.ItemProcessor.States.ScoreShardOnSpot;

  it("is the ASL file's definition, its placeholders filled by CloudFormation with the run functions", () => {
    // The plugin's validation writes out JSONPath, the default query language, on every state.
    const withoutDefaultLanguage = (value: unknown): unknown =>
      Array.isArray(value)
        ? value.map(withoutDefaultLanguage)
        : value !== null && typeof value === "object"
          ? Object.fromEntries(
              Object.entries(value)
                .filter(([key, v]) => !(key === "QueryLanguage" && v === "JSONPath"))
                .map(([key, v]) => [key, withoutDefaultLanguage(v)]),
            )
          : value;
    expect(withoutDefaultLanguage(JSON.parse(machine().DefinitionString))).toEqual(asl());
    const placeholders = new Set([...machine().DefinitionString.matchAll(/\$\{(\w+)\}/g)].map((m: RegExpMatchArray) => m[1]));
    expect(Object.keys(machine().DefinitionSubstitutions).sort()).toEqual([...placeholders].sort());
    expect(Object.fromEntries(Object.entries(machine().DefinitionSubstitutions).map(([k, v]) => [k, text(v)]))).toEqual({
      FinalizeRunFunctionArn: "${FinalizeRunLambdaFunction.Arn}",
      MergeFunctionArn: "${MergeLambdaFunction.Arn}",
      ReportFunctionArn: "${ReportLambdaFunction.Arn}",
    });
    expect(machine().StateMachineType).toBe("STANDARD");
    expect(text(machine().RoleArn)).toBe("${PipelineStateMachineRole.Arn}");
  });

  it("runs each shard's GPU job with network isolation, on demand or on spot, refused by its role otherwise", () => {
    expect(scoreShard().Resource).toBe("arn:aws:states:::sagemaker:createProcessingJob.sync");
    expect(scoreShard().Parameters.NetworkConfig).toEqual({ EnableNetworkIsolation: true });
    expect(scoreShardOnSpot().Resource).toBe("arn:aws:states:::sagemaker:createTrainingJob.sync");
    expect(scoreShardOnSpot().Parameters).toMatchObject({ EnableManagedSpotTraining: true, EnableNetworkIsolation: true });
    const denies = statementsOf("PipelineStateMachineRole").filter((s) => s.Effect === "Deny");
    const bothJobKinds = ["sagemaker:CreateProcessingJob", "sagemaker:CreateTrainingJob"];
    const everyJob = ["processing-job/*", "training-job/*"].map(
      (job) => `arn:\${AWS::Partition}:sagemaker:\${AWS::Region}:\${AWS::AccountId}:${job}`,
    );
    expect(denies.map((d) => ({ Action: d.Action, Resource: asList(d.Resource).map(text), Condition: d.Condition }))).toEqual([
      { Action: bothJobKinds, Resource: everyJob, Condition: { Bool: { "sagemaker:NetworkIsolation": "false" } } },
      {
        Action: bothJobKinds,
        Resource: everyJob,
        Condition: { "ForAnyValue:StringNotEquals": { "sagemaker:InstanceTypes": ["ml.g4dn.xlarge"] } },
      },
    ]);
  });

  it("has a role with exactly what its states use: checkpoints, processing and spot training jobs, the run functions, Athena", () => {
    // The job names the ASL gives are what the role's processing-job ARNs allow.
    expect(scoreShard().Parameters["ProcessingJobName.$"]).toMatch(/^States\.Format\('gp-/);
    expect(scoreShardOnSpot().Parameters["TrainingJobName.$"]).toMatch(/^States\.Format\('gs-/);
    const jobs = "arn:${AWS::Partition}:sagemaker:${AWS::Region}:${AWS::AccountId}:processing-job/gp-*";
    const spotJobs = "arn:${AWS::Partition}:sagemaker:${AWS::Region}:${AWS::AccountId}:training-job/gs-*";
    const checkpoints = ["lake:runs/*/scores/*", "lake:runs/*/shard-status/*"];
    const syncRules = ["Processing", "Training"].map(
      (kind) => `arn:\${AWS::Partition}:events:\${AWS::Region}:\${AWS::AccountId}:rule/StepFunctionsGetEventsForSageMaker${kind}JobsRule`,
    );
    // The Distributed Map: shard lists and results under runs/<run>/executions/, child executions of this machine only.
    const executions = "lake:runs/*/executions/*";
    const thisMachine = "arn:${AWS::Partition}:states:${AWS::Region}:${AWS::AccountId}:stateMachine:goldpipe-dev-pipeline";
    expect(machine().StateMachineName).toBe("goldpipe-dev-pipeline");
    expect(grants("PipelineStateMachineRole")).toEqual({
      "s3:GetObject": ["lake:athena-results/*", executions, "lake:runs/*/refresh/*", ...checkpoints],
      "s3:PutObject": [
        "lake:athena-results/*",
        executions,
        "lake:runs/*/scores/*",
        "lake:runs/*/shard-billing/*",
        "lake:runs/*/shard-status/*",
      ],
      "s3:ListBucket": ["lake"],
      "s3:AbortMultipartUpload": ["lake:athena-results/*", executions],
      "s3:ListMultipartUploadParts": ["lake:athena-results/*", executions],
      "states:StartExecution": [thisMachine],
      "states:DescribeExecution": [thisMachine.replace(":stateMachine:", ":execution:") + "/*"],
      "states:StopExecution": [thisMachine.replace(":stateMachine:", ":execution:") + "/*"],
      "s3:GetBucketLocation": ["lake"],
      "s3:ListBucketMultipartUploads": ["lake"],
      "sagemaker:CreateProcessingJob": [jobs],
      "sagemaker:AddTags": [jobs, spotJobs],
      "sagemaker:ListTags": [jobs, spotJobs],
      "sagemaker:DescribeProcessingJob": [jobs],
      "sagemaker:StopProcessingJob": [jobs],
      "sagemaker:CreateTrainingJob": [spotJobs],
      "sagemaker:DescribeTrainingJob": [spotJobs],
      "sagemaker:StopTrainingJob": [spotJobs],
      "events:PutTargets": syncRules,
      "events:PutRule": syncRules,
      "events:DescribeRule": syncRules,
      "iam:PassRole": ["GpuJobRole"],
      "lambda:InvokeFunction": ["FinalizeRunLambdaFunction", "MergeLambdaFunction", "ReportLambdaFunction"],
      "athena:StartQueryExecution": ["arn:${AWS::Partition}:athena:${AWS::Region}:${AWS::AccountId}:workgroup/${AthenaWorkGroup}"],
      "athena:GetQueryExecution": ["arn:${AWS::Partition}:athena:${AWS::Region}:${AWS::AccountId}:workgroup/${AthenaWorkGroup}"],
      "athena:GetQueryResults": ["arn:${AWS::Partition}:athena:${AWS::Region}:${AWS::AccountId}:workgroup/${AthenaWorkGroup}"],
      "athena:StopQueryExecution": ["arn:${AWS::Partition}:athena:${AWS::Region}:${AWS::AccountId}:workgroup/${AthenaWorkGroup}"],
      ...CATALOG_GRANTS,
    });
    const passRole = statementsOf("PipelineStateMachineRole").find((s) => asList(s.Action).includes("iam:PassRole"));
    expect(passRole?.Condition).toEqual({ StringEquals: { "iam:PassedToService": "sagemaker.amazonaws.com" } });
  });

  it("calls the run functions by ARN, so their answers come back unwrapped, as they do locally", () => {
    const definition = machine().DefinitionString as string;
    for (const placeholder of ["FinalizeRunFunctionArn", "MergeFunctionArn", "ReportFunctionArn"]) {
      expect(definition).toContain(`"Resource": "\${${placeholder}}"`);
    }
  });
});

describe("the GPU job's image", () => {
  it("lives in a repository whose tags cannot be moved, and each run names it by digest", () => {
    expect(resource("GpuJobRepository").Properties.ImageTagMutability).toBe("IMMUTABLE");
    const env = resource("SealLambdaFunction").Properties.Environment.Variables;
    expect(text(env.JOB_IMAGE_URI)).toBe(`\${GpuJobRepository.RepositoryUri}@${IMAGE_DIGEST}`);
  });
});

describe("the GPU job's role", () => {
  it("is assumed by SageMaker in this account only", () => {
    expect(resource("GpuJobRole").Properties.AssumeRolePolicyDocument.Statement).toEqual([
      {
        Effect: "Allow",
        Principal: { Service: "sagemaker.amazonaws.com" },
        Action: "sts:AssumeRole",
        Condition: { StringEquals: { "aws:SourceAccount": { Ref: "AWS::AccountId" } } },
      },
    ]);
  });

  it("reads its shard, checkpoint and model, writes its scores, pulls its image and writes its logs; nothing else", () => {
    const groups = ["ProcessingJobs", "TrainingJobs"].map(
      (kind) => `arn:\${AWS::Partition}:logs:\${AWS::Region}:\${AWS::AccountId}:log-group:/aws/sagemaker/${kind}`,
    );
    const logGroups = groups.flatMap((group) => [group, `${group}:*`]).sort();
    expect(grants("GpuJobRole")).toEqual({
      "s3:GetObject": ["lake:models/*", "lake:runs/*/scores/*", "lake:runs/*/shards/*"],
      // a spot job: SageMaker's empty model archive, and the checkpoint folder synced both ways
      "s3:PutObject": ["lake:runs/*/scores/*", "lake:runs/*/spot-jobs/*"],
      "s3:AbortMultipartUpload": ["lake:runs/*/scores/*", "lake:runs/*/spot-jobs/*"],
      "s3:DeleteObject": ["lake:runs/*/scores/*"],
      "s3:ListBucket": ["lake"],
      "ecr:BatchCheckLayerAvailability": ["GpuJobRepository"],
      "ecr:BatchGetImage": ["GpuJobRepository"],
      "ecr:GetDownloadUrlForLayer": ["GpuJobRepository"],
      "ecr:GetAuthorizationToken": ["*"],
      "logs:CreateLogGroup": logGroups,
      "logs:CreateLogStream": logGroups,
      "logs:PutLogEvents": logGroups,
      "logs:DescribeLogStreams": logGroups,
      "cloudwatch:PutMetricData": ["*"],
    });
    const list = statementsOf("GpuJobRole").find((s) => asList(s.Action).includes("s3:ListBucket"));
    expect(list?.Condition).toEqual({ StringLike: { "s3:prefix": ["runs/*", "models/*"] } });
  });
});

describe("Athena", () => {
  it("has the table athena/headline_sentiment.yml defines, over the lake's curated prefix", () => {
    const definition = parseYaml(readFileSync(path.join(ROOT, "athena/headline_sentiment.yml"), "utf8"));
    const { Properties } = resource("HeadlineSentimentTable");
    expect(text(Properties.DatabaseName)).toBe("${GlueDatabase}");
    expect(Properties.TableInput).toEqual({
      Name: definition.Name,
      TableType: "EXTERNAL_TABLE",
      Parameters: definition.Parameters,
      PartitionKeys: definition.PartitionKeys,
      StorageDescriptor: {
        Columns: definition.Columns,
        InputFormat: definition.InputFormat,
        OutputFormat: definition.OutputFormat,
        SerdeInfo: definition.SerdeInfo,
        Location: { "Fn::Sub": `s3://\${LakeBucket}/${definition.LocationPrefix}` },
      },
    });
    expect(resource("GlueDatabase").Properties.DatabaseInput.Name).toBe(`goldpipe_${STAGE}`);
  });

  it("has a workgroup that keeps its results in the lake, encrypted, and caps what a query scans", () => {
    const config = resource("AthenaWorkGroup").Properties.WorkGroupConfiguration;
    expect(config.EnforceWorkGroupConfiguration).toBe(true);
    expect(text(config.ResultConfiguration.OutputLocation)).toBe("s3://${LakeBucket}/athena-results/");
    expect(config.ResultConfiguration.EncryptionConfiguration).toEqual({ EncryptionOption: "SSE_S3" });
    expect(config.BytesScannedCutoffPerQuery).toBeGreaterThan(0);
  });
});

describe("operations", () => {
  const alarms = () => ofType("AWS::CloudWatch::Alarm").map(([, a]) => a.Properties);

  it("has a dashboard of throughput, GPU utilization, failed shards, queue depth, the oldest pending headline and cost", () => {
    const body = resource("PipelineDashboard").Properties.DashboardBody["Fn::Sub"] as string;
    const widgets = JSON.parse(body.replace(/\$\{[^}]+\}/g, "x")).widgets as { properties: { metrics: string[][] } }[];
    const charted = widgets.flatMap((w) => w.properties.metrics.map((m) => `${m[0]} ${m[1]}`));
    expect(new Set(charted)).toEqual(
      new Set([
        "goldpipe HeadlinesPerSecond",
        "goldpipe JobHeadlinesPerSecond",
        "goldpipe GpuUtilizationPercent",
        "goldpipe ShardsFailed",
        "AWS/SQS ApproximateNumberOfMessagesVisible",
        "goldpipe OldestPendingHeadlineSeconds",
        "AWS/SQS ApproximateAgeOfOldestMessage",
        "goldpipe CostPerMillionHeadlinesUSD",
      ]),
    );
    const filter = resource("OldestPendingHeadlineMetricFilter").Properties;
    expect(filter.LogGroupName).toEqual({ Ref: "ScheduledSealLogGroup" });
    expect(resource("ScheduledSealLogGroup").Type).toBe("AWS::Logs::LogGroup");
    expect(filter.MetricTransformations[0]).toMatchObject({
      MetricName: "OldestPendingHeadlineSeconds",
      MetricValue: "$.oldest_pending_seconds",
    });
  });
  const watched = (alarm: Record<string, any>) =>
    alarm.Metrics
      ? alarm.Metrics.filter((m: any) => m.MetricStat).map((m: any) => ({ ...m.MetricStat.Metric }))
      : [{ Namespace: alarm.Namespace, MetricName: alarm.MetricName, Dimensions: alarm.Dimensions }];

  it("alarms on messages in either DLQ, on failed runs and on failed shards, to the alarm topic", () => {
    const metrics = alarms()
      .flatMap(watched)
      .map((m: any) => ({
        metric: `${m.Namespace}/${m.MetricName}`,
        dimensions: Object.fromEntries((m.Dimensions ?? []).map((d: any) => [d.Name, text(d.Value)])),
      }));
    expect(metrics).toEqual(
      expect.arrayContaining([
        { metric: "AWS/SQS/ApproximateNumberOfMessagesVisible", dimensions: { QueueName: "${UploadsDeadLetterQueue.QueueName}" } },
        { metric: "AWS/SQS/ApproximateNumberOfMessagesVisible", dimensions: { QueueName: "${HeadlinesDeadLetterQueue.QueueName}" } },
        { metric: "AWS/States/ExecutionsFailed", dimensions: { StateMachineArn: "${PipelineStateMachine}" } },
        { metric: "AWS/States/ExecutionsTimedOut", dimensions: { StateMachineArn: "${PipelineStateMachine}" } },
        // The report puts ShardsFailed under goldpipe, the Metrics adapter adds the Stage.
        { metric: "goldpipe/ShardsFailed", dimensions: { Stage: STAGE } },
      ]),
    );
    for (const alarm of alarms()) {
      expect(alarm.AlarmActions.map(text)).toEqual(["${AlarmTopic}"]);
      expect(alarm.TreatMissingData).toBe("notBreaching");
    }
    // CloudWatch cannot publish to a topic encrypted with the AWS-managed aws/sns key.
    expect(resource("AlarmTopic").Properties.KmsMasterKeyId).toBeUndefined();
  });

  it("asks the calendar every 5 minutes whether to seal and merges real-time landings every minute, both off on a dev stage", () => {
    const rules = ofType("AWS::Events::Rule").map(([, r]) => r.Properties);
    expect(rules).toEqual([
      expect.objectContaining({
        ScheduleExpression: "rate(5 minutes)",
        State: "DISABLED",
        Targets: [expect.objectContaining({ Arn: { "Fn::GetAtt": ["ScheduledSealLambdaFunction", "Arn"] } })],
      }),
      expect.objectContaining({
        ScheduleExpression: "rate(1 minute)",
        State: "DISABLED",
        Targets: [expect.objectContaining({ Arn: { "Fn::GetAtt": ["RealtimeMergeLambdaFunction", "Arn"] } })],
      }),
    ]);
  });

  it("outputs what the CLI reads to find the stage's stack (contracts.md)", () => {
    const outputs = Object.fromEntries(Object.entries(template.Outputs).map(([k, v]) => [k, text(v.Value)]));
    expect(outputs).toMatchObject({
      BucketName: "${LakeBucket}",
      StateMachineArn: "${PipelineStateMachine}",
      AthenaWorkGroup: "${AthenaWorkGroup}",
      AthenaDatabase: "${GlueDatabase}",
      UploadsQueueUrl: "${UploadsQueue}",
      HeadlinesQueueUrl: "${HeadlinesQueue}",
      GpuJobRepositoryUri: "${GpuJobRepository.RepositoryUri}",
      SealFunctionName: "${SealLambdaFunction}",
    });
  });
});

describe("the real-time endpoint", () => {
  const REALTIME = [
    "RealtimeModelRole",
    "RealtimeModel",
    "RealtimeEndpointConfig",
    "RealtimeEndpoint",
    "RealtimeScalableTarget",
    "RealtimeScalingPolicy",
  ];

  it("is off by default: its resources exist only under RealtimeEnabled, and the fanout is given no endpoint", () => {
    expect(condition("RealtimeEnabled")).toBe(false);
    for (const id of REALTIME) expect(resource(id).Condition, id).toBe("RealtimeEnabled");
    expect(template.Outputs.RealtimeEndpointName).toMatchObject({ Condition: "RealtimeEnabled" });
    const fanout = resource("FanoutLambdaFunction").Properties.Environment.Variables;
    expect(text(fanout.REALTIME_ENDPOINT_NAME)).toBe("");
  });

  it("serves the gpu-job image with the batch job's model, network-isolated, its role reading only that model", () => {
    const model = resource("RealtimeModel").Properties;
    expect(model.EnableNetworkIsolation).toBe(true);
    expect(text(model.PrimaryContainer.Image)).toBe(`\${GpuJobRepository.RepositoryUri}@${IMAGE_DIGEST}`);
    expect(model.PrimaryContainer.ModelDataSource.S3DataSource).toMatchObject({ S3DataType: "S3Prefix", CompressionType: "None" });
    expect(text(model.PrimaryContainer.ModelDataSource.S3DataSource.S3Uri)).toBe("s3://${LakeBucket}/models/current/");
    const role = grants("RealtimeModelRole");
    expect(role["s3:GetObject"]).toEqual(["lake:models/current/*"]);
    expect(role["s3:PutObject"]).toBeUndefined();
    expect(role["ecr:BatchGetImage"]).toEqual(["GpuJobRepository"]);
    const variant = resource("RealtimeEndpointConfig").Properties.ProductionVariants[0];
    expect(variant).toMatchObject({ VariantName: "AllTraffic", InstanceType: "ml.g4dn.xlarge", InitialInstanceCount: 1 });
  });

  it("autoscales on invocations per instance: target 70, 1 to 10 instances, out after 60 s, in after 300 s", () => {
    const target = resource("RealtimeScalableTarget").Properties;
    expect(target).toMatchObject({
      ServiceNamespace: "sagemaker",
      ScalableDimension: "sagemaker:variant:DesiredInstanceCount",
      MinCapacity: 1,
      MaxCapacity: 10,
    });
    expect(text(target.ResourceId)).toBe("endpoint/${RealtimeEndpoint.EndpointName}/variant/AllTraffic");
    expect(resource("RealtimeScalingPolicy").Properties).toMatchObject({
      PolicyType: "TargetTrackingScaling",
      ScalingTargetId: { Ref: "RealtimeScalableTarget" },
      TargetTrackingScalingPolicyConfiguration: {
        TargetValue: 70,
        PredefinedMetricSpecification: { PredefinedMetricType: "SageMakerVariantInvocationsPerInstance" },
        ScaleOutCooldown: 60,
        ScaleInCooldown: 300,
      },
    });
  });

  it("is turned on by its parameter, which also starts the merge every minute", () => {
    const on = JSON.parse(osls("print", "--stage", STAGE, "--format", "json", "--param", "realtimeEnabled=true"));
    expect(on.resources.Conditions.RealtimeEnabled).toEqual({ "Fn::Equals": ["true", "true"] });
    expect(on.functions.realtimeMerge.events).toEqual([{ schedule: expect.objectContaining({ rate: ["rate(1 minute)"], enabled: true }) }]);
  });
});

/** A finding of cfn-lint or checkov: the rule, the resource (or condition) it names, and what it says. */
interface Finding {
  tool: "cfn-lint" | "checkov";
  rule: string;
  resource: string;
  message: string;
}
interface Allowed {
  rule?: string;
  check?: string;
  resources: "*" | string[];
  reason: string;
}

function lintFindings(): Finding[] {
  const templateFile = path.join(packageDir, "cloudformation-template-update-stack.json");
  const run = (command: string, args: string[]) => {
    try {
      return execFileSync(path.join(TOOLS_BIN, command), args, { encoding: "utf8", maxBuffer: 64 << 20, env: { ...process.env } });
    } catch (error) {
      // Both exit non-zero when they find something; their report is still on stdout.
      const stdout = (error as { stdout?: string }).stdout;
      if (!stdout) throw new Error(`${command} did not run (make setup installs it into .venv-tools): ${(error as Error).message}`);
      return stdout;
    }
  };
  const cfn = JSON.parse(run("cfn-lint", ["--format", "json", templateFile])) as {
    Rule: { Id: string };
    Location: { Path: string[] };
    Message: string;
  }[];
  const checkovReport = JSON.parse(run("checkov", ["-f", templateFile, "--framework", "cloudformation", "--skip-download", "-o", "json"]));
  const failed = (Array.isArray(checkovReport) ? checkovReport : [checkovReport]).flatMap(
    (report: { results: { failed_checks: { check_id: string; resource: string; check_name: string }[] } }) => report.results.failed_checks,
  );
  return [
    ...cfn.map((f) => ({ tool: "cfn-lint" as const, rule: f.Rule.Id, resource: f.Location.Path[1] ?? "", message: f.Message })),
    ...failed.map((f) => ({ tool: "checkov" as const, rule: f.check_id, resource: f.resource.split(".").at(-1)!, message: f.check_name })),
  ];
}

describe("cfn-lint and checkov", () => {
  it("find nothing in the packaged template beyond tests/e2e/stack/allowed-findings.yml, and every entry there still applies", () => {
    const allowList = parseYaml(readFileSync(path.join(ROOT, "tests/e2e/stack/allowed-findings.yml"), "utf8")) as Record<
      Finding["tool"],
      Allowed[]
    >;
    const entries = (["cfn-lint", "checkov"] as const).flatMap((tool) =>
      allowList[tool].map((entry) => ({ tool, rule: entry.rule ?? entry.check!, entry, used: false })),
    );
    for (const { entry } of entries) expect(entry.reason.length, JSON.stringify(entry)).toBeGreaterThan(20);
    const unexpected = lintFindings().filter((finding) => {
      const allowed = entries.find(
        (e) =>
          e.tool === finding.tool && e.rule === finding.rule && (e.entry.resources === "*" || e.entry.resources.includes(finding.resource)),
      );
      if (allowed) allowed.used = true;
      return !allowed;
    });
    expect(unexpected.map((f) => `${f.tool} ${f.rule} ${f.resource}: ${f.message}`)).toEqual([]);
    expect(entries.filter((e) => !e.used).map((e) => `${e.tool} ${e.rule}`)).toEqual([]);
  });
});

describe("parameters by stage", () => {
  it("give prod its GPU, concurrency, database and the schedule on (the dev template above has them off)", () => {
    const prod = JSON.parse(osls("print", "--stage", "prod", "--format", "json"));
    const seal = prod.functions.seal.environment;
    expect(seal.JOB_INSTANCE_TYPE).toBe("ml.g5.xlarge");
    expect(seal.MAX_CONCURRENCY).toBe("8");
    expect(prod.resources.Resources.GlueDatabase.Properties.DatabaseInput.Name).toBe("goldpipe");
    expect(prod.functions.scheduledSeal.events).toEqual([
      { schedule: expect.objectContaining({ rate: ["rate(5 minutes)"], enabled: true }) },
    ]);
    expect(prod.resources.Resources.LakeBucket.Properties.LifecycleConfiguration.Rules).toContainEqual(
      expect.objectContaining({ Prefix: "quarantine/", ExpirationInDays: 365 }),
    );
  });
});
