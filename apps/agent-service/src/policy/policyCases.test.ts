import { describe, expect, it } from 'vitest';
import { CaseFileError, parseCaseFile, toEvaluationRequest } from './policyCases.ts';

const NOW = new Date('2026-12-07T10:00:00Z');

describe('policy case files', () => {
  it('reads YAML and JSON alike, with defaults for what a case leaves out', () => {
    const yaml = parseCaseFile('c.yaml', '- name: a\n  request: { user: alice, path: /usr/bin/apt, arguments: [update] }\n  expect: { outcome: allow }\n');
    const json = parseCaseFile(
      'c.json',
      JSON.stringify([{ name: 'a', request: { user: 'alice', path: '/usr/bin/apt', arguments: ['update'] }, expect: { outcome: 'allow' } }]),
    );
    expect(yaml).toEqual(json);
    expect(toEvaluationRequest(yaml[0]!, NOW)).toEqual({
      policyType: 'PrivilegeElevation',
      user: { uid: null, name: 'alice', groups: [], home: null },
      machine: { name: 'localhost' },
      application: { path: '/usr/bin/apt', sha256: null, signer: null, commandLine: '/usr/bin/apt update', arguments: ['update'] },
      agentic: null,
      at: NOW,
    });
  });

  it('keeps arguments unknown when a case gives none, so argument rules do not apply', () => {
    const [c] = parseCaseFile(
      'c.yaml',
      '- { name: a, request: { user: alice, path: /usr/bin/apt, commandLine: apt update, at: "2026-01-05T09:30:00+01:00" }, expect: { outcome: deny } }',
    );
    const request = toEvaluationRequest(c!, NOW);
    expect(request.application).not.toHaveProperty('arguments');
    expect(request.application.commandLine).toBe('apt update');
    expect(request.at.toISOString()).toBe('2026-01-05T08:30:00.000Z');
  });

  it('takes a home folder, a signer, and a time without an offset as local time', () => {
    const [c] = parseCaseFile(
      'c.yaml',
      '- { name: a, request: { user: ana, home: /home/ana, signer: coreutils, path: /usr/bin/true, at: "2026-11-25T12:00:00" }, expect: { outcome: allow } }',
    );
    const request = toEvaluationRequest(c!, NOW);
    expect(request.user.home).toBe('/home/ana');
    expect(request.application.signer).toBe('coreutils');
    expect([request.at.getHours(), request.at.getMinutes(), request.at.getDate()]).toEqual([12, 0, 25]);
  });

  it.each([
    ['a wrong outcome', '- { name: a, request: { user: u, path: /p }, expect: { outcome: allowed } }', '[0].expect.outcome'],
    ['an unknown control', '- { name: a, request: { user: u, path: /p }, expect: { outcome: controls, controls: [APPROVE] } }', '[0].expect.controls[0]'],
    ['a misspelt request field', '- { name: a, request: { user: u, path: /p, args: [x] }, expect: { outcome: deny } }', '[0].request'],
    ['a hash that is not SHA-256', '- { name: a, request: { user: u, path: /p, sha256: abc }, expect: { outcome: deny } }', '[0].request.sha256'],
    ['an empty file', '', ''],
  ])('rejects %s naming the file and JSON path', (_label, text, path) => {
    let error: unknown;
    try {
      parseCaseFile('cases.yaml', text);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(CaseFileError);
    expect((error as CaseFileError).problems[0]).toMatchObject({ file: 'cases.yaml', path });
  });

  it('names the file when it is not YAML at all', () => {
    expect(() => parseCaseFile('x.yaml', '- [unclosed')).toThrow(/^x\.yaml: not YAML or JSON/);
  });
});
