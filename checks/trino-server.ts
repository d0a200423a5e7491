import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { existsSync, readdirSync, rmSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";

/**
 * A Trino 476 server on this machine (Athena engine v3 is Trino), for `make athena-check`: fetched once from
 * Maven Central into .trino/ (gitignored), run on the installed Temurin 25 JDK, with one catalog, `hive`,
 * reading a lake directory through the Hive connector and a file metastore.
 */

export const TRINO_VERSION = "476";
const JAVA_HOME = process.env.GOLDPIPE_TRINO_JAVA_HOME ?? "/usr/lib/jvm/temurin-25-jdk-amd64";

export interface TrinoResult {
  columns: { name: string; type: string }[];
  rows: unknown[][];
}

/**
 * Downloads and unpacks the server once. Its plugins share jars as hard links, so the archive is unpacked whole,
 * then every plugin but the Hive connector is removed (fewer to load at each start).
 */
export function installTrino(home: string): string {
  const server = path.join(home, `trino-server-${TRINO_VERSION}`);
  if (existsSync(path.join(server, "plugin", "hive"))) return server;
  const archive = path.join(home, `trino-server-${TRINO_VERSION}.tar.gz`);
  if (!existsSync(archive)) {
    console.error(`fetching io.trino:trino-server:${TRINO_VERSION}:tar.gz from Maven Central (about 800 MB, once)…`);
    execFileSync(
      "mvn",
      ["-q", "-B", "dependency:copy", `-Dartifact=io.trino:trino-server:${TRINO_VERSION}:tar.gz`, `-DoutputDirectory=${home}`],
      {
        stdio: "inherit",
      },
    );
  }
  console.error("unpacking Trino…");
  execFileSync("tar", ["-xzf", archive, "-C", home], { stdio: "inherit" });
  for (const plugin of readdirSync(path.join(server, "plugin"))) {
    if (plugin !== "hive") rmSync(path.join(server, "plugin", plugin), { recursive: true, force: true });
  }
  return server;
}

export class TrinoServer {
  readonly #process: ChildProcess;
  readonly url: string;
  #log = "";

  private constructor(child: ChildProcess, url: string) {
    this.#process = child;
    this.url = url;
    child.stdout?.on("data", (chunk) => {
      this.#log = (this.#log + String(chunk)).slice(-20_000);
    });
    child.stderr?.on("data", (chunk) => {
      this.#log = (this.#log + String(chunk)).slice(-20_000);
    });
  }

  /** Starts the server over `lake` (the Hive connector's local file system root) and waits until it answers. */
  static async start(server: string, work: string, lake: string, port: number): Promise<TrinoServer> {
    if (!existsSync(path.join(JAVA_HOME, "bin", "java"))) {
      throw new Error(`Trino ${TRINO_VERSION} needs Java 25: no JDK at ${JAVA_HOME} (set GOLDPIPE_TRINO_JAVA_HOME)`);
    }
    const etc = path.join(work, "etc");
    await mkdir(path.join(etc, "catalog"), { recursive: true });
    const url = `http://127.0.0.1:${port}`;
    await writeFile(path.join(etc, "node.properties"), `node.environment=goldpipe\nnode.id=athena-check\nnode.data-dir=${work}/data\n`);
    await writeFile(
      path.join(etc, "jvm.config"),
      ["-server", "-Xmx4G", "-XX:+UseG1GC", "-Djdk.attach.allowAttachSelf=true", ""].join("\n"),
    );
    await writeFile(
      path.join(etc, "config.properties"),
      `coordinator=true\nnode-scheduler.include-coordinator=true\nhttp-server.http.port=${port}\ndiscovery.uri=${url}\n`,
    );
    await writeFile(
      path.join(etc, "catalog", "hive.properties"),
      [
        "connector.name=hive",
        "hive.metastore=file",
        `hive.metastore.catalog.dir=local:///.trino-metastore`,
        "fs.native-local.enabled=true",
        `local.location=${lake}`,
        "hive.allow-register-partition-procedure=true",
        "hive.non-managed-table-writes-enabled=false",
        "",
      ].join("\n"),
    );
    const child = spawn(path.join(server, "bin", "launcher"), ["run", `--etc-dir=${etc}`, `--data-dir=${work}/data`], {
      env: { ...process.env, JAVA_HOME, PATH: `${JAVA_HOME}/bin:${process.env.PATH}` },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const trino = new TrinoServer(child, url);
    const deadline = Date.now() + 240_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`Trino exited with code ${child.exitCode}:\n${trino.#log.slice(-3000)}`);
      const info = await fetch(`${url}/v1/info`).then(
        (r) => r.json() as Promise<{ starting: boolean }>,
        () => undefined,
      );
      if (info && !info.starting) return trino;
      if (Date.now() > deadline) {
        trino.stop();
        throw new Error(`Trino did not start within 4 minutes:\n${trino.#log.slice(-3000)}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }

  /** Runs one statement through Trino's client protocol (POST /v1/statement, then nextUri until the end). */
  async query(sql: string, schema = "goldpipe"): Promise<TrinoResult> {
    const headers = { "X-Trino-User": "goldpipe", "X-Trino-Catalog": "hive", "X-Trino-Schema": schema };
    let page = (await (await fetch(`${this.url}/v1/statement`, { method: "POST", headers, body: sql })).json()) as TrinoPage;
    const result: TrinoResult = { columns: [], rows: [] };
    for (;;) {
      if (page.error) throw new Error(`Trino: ${page.error.message}`);
      if (page.columns && result.columns.length === 0) result.columns = page.columns.map((c) => ({ name: c.name, type: c.type }));
      if (page.data) result.rows.push(...page.data);
      if (!page.nextUri) return result;
      page = (await (await fetch(page.nextUri, { headers })).json()) as TrinoPage;
    }
  }

  stop(): void {
    this.#process.kill("SIGTERM");
  }
}

interface TrinoPage {
  columns?: { name: string; type: string }[];
  data?: unknown[][];
  nextUri?: string;
  error?: { message: string };
}
