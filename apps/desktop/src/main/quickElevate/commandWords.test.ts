import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { joinCommandWords, splitCommandWords } from './commandWords.ts';
import { installedApplications, parseDesktopEntry } from './installedApplications.ts';
import { resolveTyped } from './quickElevateMainService.ts';
import { RecentApplications } from './recentApplications.ts';

const dir = mkdtempSync(join(tmpdir(), 'kpt-qe-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('quick-elevate commands', () => {
  it('splits words as a shell would for quoting, and joins them back', () => {
    expect(splitCommandWords(`apt-get install -y "vim tiny" 'a b' c\\ d`)).toEqual(['apt-get', 'install', '-y', 'vim tiny', 'a b', 'c d']);
    expect(splitCommandWords('echo ""')).toEqual(['echo', '']);
    expect(splitCommandWords('echo "unclosed')).toBeNull();
    expect(joinCommandWords(['echo', 'a b', "it's", ''])).toBe(`echo 'a b' 'it'\\''s' ''`);
  });

  it('resolves the program on PATH as keeper-elevate does, with a clear problem otherwise', () => {
    expect(resolveTyped('id -u', { PATH: '/usr/bin:/bin' }, '/')).toEqual({
      ok: true,
      choice: { executable: '/usr/bin/id', arguments: ['-u'], commandLine: 'id -u', name: 'id' },
    });
    expect(resolveTyped('no-such-program-kpt', { PATH: '/usr/bin:/bin' }, '/')).toEqual({
      ok: false,
      problem: { code: 'command-not-found', values: { command: 'no-such-program-kpt' } },
    });
    expect(resolveTyped("id 'oops", { PATH: '/usr/bin' }, '/')).toEqual({ ok: false, problem: { code: 'unclosed-quote', values: {} } });
  });

  it('reads installed applications from .desktop entries, leaving hidden ones and field codes out', () => {
    expect(parseDesktopEntry('[Desktop Entry]\nType=Application\nName=Identity\nExec=id -u %U\n[Desktop Action x]\nExec=rm -rf /\n')).toEqual({
      name: 'Identity',
      words: ['id', '-u'],
    });
    expect(parseDesktopEntry('[Desktop Entry]\nType=Application\nName=Hidden\nExec=id\nNoDisplay=true\n')).toBeNull();
    writeFileSync(join(dir, 'identity.desktop'), '[Desktop Entry]\nType=Application\nName=Identity\nExec=id -u %U\n');
    writeFileSync(join(dir, 'missing.desktop'), '[Desktop Entry]\nType=Application\nName=Missing\nExec=no-such-program-kpt\n');
    expect(installedApplications([dir, join(dir, 'absent')], { PATH: '/usr/bin:/bin' })).toEqual([
      { executable: '/usr/bin/id', arguments: ['-u'], commandLine: 'id -u', name: 'Identity' },
    ]);
  });

  it('remembers recent applications per user file, newest first, without duplicates', () => {
    const recent = new RecentApplications(join(dir, 'user', 'recent.json'));
    expect(recent.list()).toEqual([]);
    const id = { executable: '/usr/bin/id', arguments: [], commandLine: 'id', name: 'id' };
    const ls = { executable: '/usr/bin/ls', arguments: ['/root'], commandLine: 'ls /root', name: 'ls' };
    recent.remember(id);
    recent.remember(ls);
    recent.remember(id);
    expect(new RecentApplications(join(dir, 'user', 'recent.json')).list()).toEqual([id, ls]);
  });

  it('sets an unreadable recent file aside instead of losing or overwriting it', () => {
    const file = join(dir, 'broken.json');
    writeFileSync(file, '{ not json');
    const problems: string[] = [];
    const recent = new RecentApplications(file, (message) => problems.push(message));
    expect(recent.list()).toEqual([]);
    expect(readFileSync(`${file}.unreadable`, 'utf8')).toBe('{ not json');
    expect(existsSync(file)).toBe(false);
    expect(problems[0]).toContain('could not be read');
  });
});
