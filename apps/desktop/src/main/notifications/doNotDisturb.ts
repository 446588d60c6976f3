import { execFile } from 'node:child_process';

/**
 * Do-not-disturb as the desktop exposes it. Linux has no common API, so we ask the two places that
 * hold it: dunst (`dunstctl is-paused` prints `true`) and GNOME (`gsettings get
 * org.gnome.desktop.notifications show-banners` prints `false`). A missing tool or a failing call
 * counts as "not in do-not-disturb": no answer must never silence every toast. Other desktops
 * (KDE, macOS Focus, Windows Focus Assist) expose no setting we can read without extra libraries.
 */
const PROBES: ReadonlyArray<{ command: string; args: readonly string[]; silent: string }> = [
  { command: 'dunstctl', args: ['is-paused'], silent: 'true' },
  { command: 'gsettings', args: ['get', 'org.gnome.desktop.notifications', 'show-banners'], silent: 'false' },
];

function answer(command: string, args: readonly string[]): Promise<string | null> {
  return new Promise((resolve) => {
    execFile(command, args, { timeout: 1_000, encoding: 'utf8' }, (error, stdout) => resolve(error ? null : stdout.trim()));
  });
}

export async function isDoNotDisturb(): Promise<boolean> {
  const answers = await Promise.all(PROBES.map((probe) => answer(probe.command, probe.args)));
  return PROBES.some((probe, index) => answers[index] === probe.silent);
}
