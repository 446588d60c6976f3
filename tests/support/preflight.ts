import { existsSync } from 'node:fs';
import { CHROMIUM_PATH } from './browser.ts';

/** Fails fast, with the fix in the message, before a long build and test run. */
const problems: string[] = [];
if (Number(process.versions.node.split('.')[0]) < 24) {
  problems.push(`Node.js 24 or newer is needed (this is ${process.version}); run the tests with "npm test".`);
}
if (!existsSync(CHROMIUM_PATH)) {
  problems.push(`the end-to-end tests need Chromium at ${CHROMIUM_PATH}: run "sudo apt-get install -y chromium".`);
}
if (problems.length > 0) {
  for (const problem of problems) process.stderr.write(`npm test: ${problem}\n`);
  process.exit(1);
}
