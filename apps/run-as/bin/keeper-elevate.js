#!/usr/bin/env node
// Plain JavaScript on purpose: an older Node must be able to parse this file to print the message.
const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  console.error(
    `keeper-elevate needs Node.js 24 or newer, but this is ${process.version}. ` +
      "Run it through npm (npm exec keeper-elevate -- --help), which puts the project's Node 24 first on PATH.",
  );
  process.exit(1);
}
const { startCli } = await import('./startCli.js');
await startCli('keeper-elevate', new URL('../src/keeperElevate.ts', import.meta.url));
