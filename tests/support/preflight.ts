import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { CHROMIUM_PATH } from './browser.ts';
import { PERSON_ACCOUNTS } from './testUsers.ts';

/** Fails fast, with the fix in the message, before a long build and test run. */
const problems: string[] = [];
if (Number(process.versions.node.split('.')[0]) < 24) {
  problems.push(`Node.js 24 or newer is needed (this is ${process.version}); run the tests with "npm test".`);
}
if (!existsSync(CHROMIUM_PATH)) {
  problems.push(`the end-to-end tests need Chromium at ${CHROMIUM_PATH}: run "sudo apt-get install -y chromium".`);
}
// The security tests play people and an attacker as real OS users; as root, make the people once.
const passwd = readFileSync('/etc/passwd', 'utf8');
for (const name of PERSON_ACCOUNTS) {
  if (passwd.split('\n').some((line) => line.startsWith(`${name}:`))) continue;
  if (process.getuid?.() !== 0) {
    problems.push(`the tests act as the person account ${name}: run "sudo useradd -m -s /bin/bash ${name}" once.`);
    continue;
  }
  const made = spawnSync('useradd', ['--create-home', '--shell', '/bin/bash', name], { stdio: 'inherit' });
  if (made.status !== 0) problems.push(`could not create the test account ${name} (useradd exited ${made.status}).`);
}
if (problems.length > 0) {
  for (const problem of problems) process.stderr.write(`npm test: ${problem}\n`);
  process.exit(1);
}
