import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome', '/usr/bin/google-chrome-stable'];

export function findChromium(): string | null {
  return CANDIDATES.find((path) => existsSync(path)) ?? null;
}

export function hasDisplay(env: NodeJS.ProcessEnv, platform: NodeJS.Platform): boolean {
  return platform === 'darwin' || platform === 'win32' || Boolean(env['DISPLAY'] || env['WAYLAND_DISPLAY']);
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * Opens a window's page as a Chromium app window with a throw-away profile, and without the
 * background services that would try to reach the internet. The launch link is never on Chromium's
 * command line (every user can read /proc/<pid>/cmdline): Chromium opens a small page in the
 * profile folder (mode 0700, so only this user can read it) that forwards to the link.
 */
export function openAppWindow(chromium: string, url: string): void {
  const profile = mkdtempSync(join(tmpdir(), 'keeper-shell-'));
  const opener = join(profile, 'open.html');
  writeFileSync(
    opener,
    `<!doctype html><meta charset="utf-8"><meta name="referrer" content="no-referrer"><meta http-equiv="refresh" content="0;url=${escapeHtml(url)}"><title>Keeper</title>\n`,
    { mode: 0o600 },
  );
  const child = spawn(
    chromium,
    [
      `--app=${pathToFileURL(opener).href}`,
      `--user-data-dir=${profile}`,
      '--no-first-run',
      '--no-default-browser-check',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      ...(process.getuid?.() === 0 ? ['--no-sandbox'] : []),
    ],
    { stdio: 'ignore', detached: true },
  );
  child.unref();
}
