import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseCommandLine } from '../cli/options.ts';

const dir = mkdtempSync(join(tmpdir(), 'kp-agentic-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function parseWith(agentic: unknown) {
  const file = join(dir, 'agent.json');
  writeFileSync(file, JSON.stringify({ agentic }));
  return parseCommandLine(['--config', file, '--data-dir', dir], { env: {}, isRoot: true, platform: 'linux' });
}

describe('agentic.signatures in --config (docs/agentic.md)', () => {
  it('a valid list replaces the shipped one; none given keeps it', () => {
    const list = [{ agent: 'Deploy bot', names: ['deploybot'], aiLikelihoodPercent: 80 }];
    expect(parseWith({ signatures: list })).toMatchObject({ kind: 'run', options: { agentic: { signatures: list } } });
    expect(parseWith({})).toMatchObject({ kind: 'run', options: { agentic: {} } });
  });

  it('a bad list stops the agent with the path of the bad value', () => {
    expect(() => parseWith({ signatures: [{ agent: 'x', names: ['/usr/bin/x'], aiLikelihoodPercent: 80 }] })).toThrow(/agentic\.signatures\[0\]\.names\[0\]/);
    expect(() => parseWith({ signatures: [] })).toThrow(/agentic\.signatures/);
    expect(() => parseWith({ signatures: [{ agent: 'x', names: ['x'], aiLikelihoodPercent: 150 }] })).toThrow(/aiLikelihoodPercent/);
    expect(() => parseWith({ signaturesFile: '/etc/x.json' })).toThrow(/signaturesFile/);
  });
});
