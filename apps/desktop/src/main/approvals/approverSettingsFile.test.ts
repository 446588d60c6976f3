import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ApproverSettingsFile } from './approverSettingsFile.ts';

describe('approver settings file (per user, in the desktop user data dir)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'approver-settings-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('defaults to toasts on, and a written choice is read back by a new instance (a restart)', () => {
    const file = join(dir, 'fresh', 'approver-settings.json');
    expect(new ApproverSettingsFile(file).read()).toEqual({ toasts: true });
    new ApproverSettingsFile(file).write({ toasts: false });
    expect(new ApproverSettingsFile(file).read()).toEqual({ toasts: false });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ version: 1, settings: { toasts: false } });
  });

  it('sets an unreadable file aside with a clear message and falls back to the defaults, losing nothing', () => {
    const file = join(dir, 'approver-settings.json');
    writeFileSync(file, '{"version":1,"settings":{"toasts":"maybe"}}');
    const problems: string[] = [];
    expect(new ApproverSettingsFile(file, (p) => problems.push(p)).read()).toEqual({ toasts: true });
    expect(problems).toEqual([expect.stringMatching(/^approver settings file .* could not be read \(.*toasts.*\); kept as .*\.unreadable$/s)]);
    expect(readFileSync(`${file}.unreadable`, 'utf8')).toBe('{"version":1,"settings":{"toasts":"maybe"}}');
    expect(existsSync(file)).toBe(false);
  });

  it('refuses to write settings that do not fit the schema', () => {
    const file = join(dir, 'refused.json');
    expect(() => new ApproverSettingsFile(file).write({ toasts: 'yes' } as unknown as { toasts: boolean })).toThrow(/toasts/);
    expect(existsSync(file)).toBe(false);
  });
});
