#!/usr/bin/env node
import { EXIT } from "../local/cli/exit-codes.mjs";

const [major, minor] = process.versions.node.split(".").map(Number);
if (major < 22 || (major === 22 && minor < 18)) {
  console.error(
    `goldpipe needs Node 22.18 or newer (this is ${process.version}). ` +
      `Run "make setup" once, then "npx goldpipe …", which uses the Node 22 it installs.`,
  );
  process.exit(EXIT.badInput);
}
const { main } = await import("../local/cli/main.ts");
process.exitCode = await main(process.argv.slice(2));
