import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { resolveCommand } from '../../../../../shared/protocol/src/node/resolveCommand.ts';
import type { QuickElevateChoice } from '../../../../../shared/bridge/src/common/services/quickElevate.ts';
import { joinCommandWords, splitCommandWords } from './commandWords.ts';

/** XDG's application folders: $XDG_DATA_HOME and $XDG_DATA_DIRS, each with applications/. */
export function applicationDirs(env: NodeJS.ProcessEnv, home: string): string[] {
  const dataHome = env['XDG_DATA_HOME'] || join(home, '.local/share');
  const dataDirs = (env['XDG_DATA_DIRS'] || '/usr/local/share:/usr/share').split(':').filter(Boolean);
  return [dataHome, ...dataDirs].map((dir) => join(dir, 'applications'));
}

/**
 * The launchable applications installed for this user (freedesktop .desktop entries): name and
 * the program they start, resolved on PATH as a shell would. Hidden entries are left out.
 */
export function installedApplications(dirs: readonly string[], env: NodeJS.ProcessEnv): QuickElevateChoice[] {
  const seen = new Set<string>();
  const found: QuickElevateChoice[] = [];
  for (const dir of dirs) {
    let names: string[];
    try {
      names = readdirSync(dir)
        .filter((name) => name.endsWith('.desktop'))
        .sort();
    } catch {
      continue;
    }
    for (const name of names) {
      if (seen.has(name)) continue;
      seen.add(name);
      const entry = parseDesktopEntry(readFileSync(join(dir, name), 'utf8'));
      if (!entry) continue;
      const executable = resolveCommand(entry.words[0]!, env, '/');
      if (executable) found.push({ executable, arguments: entry.words.slice(1), commandLine: joinCommandWords(entry.words), name: entry.name });
    }
  }
  return found;
}

/** The [Desktop Entry] group's Name and Exec words (field codes such as %U dropped). */
export function parseDesktopEntry(text: string): { name: string; words: string[] } | null {
  const fields = new Map<string, string>();
  let inMain = false;
  for (const line of text.split('\n')) {
    const trimmed = line.trim();
    if (trimmed.startsWith('[')) inMain = trimmed === '[Desktop Entry]';
    else if (inMain && trimmed.includes('=') && !trimmed.startsWith('#')) {
      const at = trimmed.indexOf('=');
      fields.set(trimmed.slice(0, at).trim(), trimmed.slice(at + 1).trim());
    }
  }
  if (fields.get('Type') !== 'Application' || fields.get('NoDisplay') === 'true' || fields.get('Hidden') === 'true') return null;
  const name = fields.get('Name');
  const words = splitCommandWords(fields.get('Exec') ?? '')?.filter((word) => !/^%[fFuUdDnNickvm]$/.test(word));
  return name && words && words.length > 0 ? { name, words } : null;
}
