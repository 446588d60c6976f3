import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { defaultSocketPath, SYSTEM_SOCKET_PATH } from '../../../../shared/protocol/src/node/socketPath.ts';
import { AgentClient } from '../../../../shared/protocol/src/node/agentClient.ts';
import { AgentIdentityError } from '../../../../shared/protocol/src/node/agentIdentity.ts';
import { createDesktopApp } from '../main/desktopApp.ts';
import { createWebShellHost } from '../main/hosts/webShellHost.ts';
import { findElectronRuntime } from './electronRuntime.ts';
import { findChromium, hasDisplay, openAppWindow } from './browser.ts';

// First thing: what the launcher and the agent it starts create (data dir, socket folder, settings) is the user's alone.
process.umask(0o077);

const projectDir = resolve(import.meta.dirname, '../../../..');
const say = (line: string) => process.stdout.write(`${line}\n`);

const { values: flags } = parseArgs({
  options: {
    socket: { type: 'string' },
    'data-dir': { type: 'string' },
    'no-agent': { type: 'boolean', default: false },
    'no-browser': { type: 'boolean', default: false },
    'web-shell': { type: 'boolean', default: false },
    prewarm: { type: 'boolean', default: false },
    port: { type: 'string', default: '0' },
    lng: { type: 'string' },
    theme: { type: 'string' },
    'user-data-dir': { type: 'string' },
    'health-interval-ms': { type: 'string' },
  },
});

const healthInterval = flags['health-interval-ms'];
if (healthInterval !== undefined && !(/^\d+$/.test(healthInterval) && Number(healthInterval) >= 100)) {
  say(`--health-interval-ms wants a whole number of milliseconds, at least 100 (got "${healthInterval}").`);
  process.exit(2);
}

if (Number(process.versions.node.split('.')[0]) < 24) {
  say(`The Keeper suite needs Node.js 24 or newer (this is ${process.version}); run it with npm start.`);
  process.exit(1);
}

const socketPath =
  flags.socket ??
  defaultSocketPath({
    platform: process.platform,
    env: process.env,
    systemSocketExists: existsSync(SYSTEM_SOCKET_PATH),
    homedir: homedir(),
  });

function ensureBuilt(): void {
  if (existsSync(resolve(projectDir, 'dist/renderer/keeper-agent/src/renderer/index.html')) && existsSync(resolve(projectDir, 'dist/main/index.js'))) return;
  say('Building the Keeper windows (first start)…');
  // The build is the project's, not private: built under the usual 022, so every user can load the windows.
  const own = process.umask(0o022);
  const result = spawnSync('npm', ['run', 'build', '--silent'], { cwd: projectDir, stdio: 'inherit' });
  process.umask(own);
  if (result.status !== 0) process.exit(result.status ?? 1);
}

async function agentAnswers(): Promise<boolean> {
  try {
    (await AgentClient.connect(socketPath, 1_000)).close();
    return true;
  } catch (error) {
    // Another user's agent on the path: starting one beside it cannot help, and the suite must not use it.
    if (error instanceof AgentIdentityError) {
      say(error.message);
      process.exit(3);
    }
    return false;
  }
}

/** The embedded agent, started beside the suite when none is running on the socket. */
async function ensureAgent(): Promise<ChildProcess | null> {
  if (flags['no-agent'] || (await agentAnswers())) return null;
  // A personal agent, reachable only through this user's private socket folder: the desktop it serves is
  // this user's own login (`local-login`), with or without systemd-logind. The system agent keeps `logind`.
  const args = [resolve(projectDir, 'apps/agent-service/bin/keeper-agent.js'), '--socket', socketPath, '--desktop-sessions', 'local-login'];
  if (flags['data-dir']) args.push('--data-dir', flags['data-dir']);
  const agent = spawn(process.execPath, args, { stdio: 'inherit' });
  for (let waited = 0; waited < 10_000; waited += 100) {
    if (agent.exitCode !== null) process.exit(agent.exitCode);
    if (await agentAnswers()) return agent;
    await new Promise((r) => setTimeout(r, 100));
  }
  say(`The Keeper agent did not come up on ${socketPath} within 10 s.`);
  agent.kill();
  process.exit(1);
}

ensureBuilt();
const agent = await ensureAgent();
say(`Keeper agent socket: ${socketPath}${agent ? ' (started with the suite)' : ''}`);

const electron = flags['web-shell'] ? null : findElectronRuntime(projectDir);
if (electron) {
  const app = spawn(electron, [projectDir], { stdio: 'inherit', env: { ...process.env, KEEPER_AGENT_SOCKET: socketPath } });
  app.on('exit', (code) => {
    agent?.kill();
    process.exit(code ?? 0);
  });
} else {
  if (!flags['web-shell']) {
    say('Electron runtime not installed on this machine (its download is not possible here): serving the Keeper windows through the web shell instead.');
  }
  const chromium = flags['no-browser'] || !hasDisplay(process.env, process.platform) ? null : findChromium();
  // Stops the embedded agent only if this launcher started it (`agent` is null otherwise).
  const shutdown = async () => {
    await desktop.stop();
    agent?.kill('SIGTERM');
    process.exit(0);
  };
  const desktop = createDesktopApp({
    socketPath,
    version: process.env['npm_package_version'] ?? '0.0.0',
    ...(flags.lng ? { locale: flags.lng } : {}),
    ...(flags['user-data-dir'] ? { userDataDir: flags['user-data-dir'] } : {}),
    ...(healthInterval ? { healthIntervalMs: Number(healthInterval) } : {}),
    // The tray page's "Quit Keeper": the same as Ctrl+C.
    onQuit: () => void shutdown(),
  });
  const host = await createWebShellHost({
    rendererDir: process.env['KEEPER_RENDERER_DIR'] ?? resolve(projectDir, 'dist/renderer'),
    dispatcherFor: (id, presence) => desktop.dispatcherFor(id, presence),
    port: Number(flags.port),
    // Refusals go to the launcher's log (stderr); the lines never hold a token or nonce.
    onRefusal: (line) => process.stderr.write(`${line}\n`),
    // `url` is a one-time launch link, printed for this user's own terminal only; the page trades it
    // for its token on first load, so opening it a second time does nothing.
    present: (id, url, prewarmed) => {
      say(`Window ${id}: ${url}`);
      if (chromium && !prewarmed) openAppWindow(chromium, url);
    },
    // Spares are for a driver that keeps pages loaded out of sight (tests, benchmarks).
    ...(flags.prewarm ? { presentSpare: (id: string, url: string) => say(`Spare window ${id}: ${url}`) } : {}),
  });
  desktop.attach(host);
  const theme = flags.theme === 'light' || flags.theme === 'dark' ? flags.theme : undefined;
  await host.open('keeper-agent', { ...(flags.lng ? { locale: flags.lng } : {}), ...(theme ? { theme } : {}) });
  // No OS tray here: the tray's menu is a window of its own.
  await host.open('keeper-client', { ...(flags.lng ? { locale: flags.lng } : {}), ...(theme ? { theme } : {}) });
  if (!chromium) say('Open the URL above in a browser on this machine (no display or Chromium was found to open it).');
  say('Press Ctrl+C to stop.');
  process.once('SIGINT', () => void shutdown());
  process.once('SIGTERM', () => void shutdown());
}
