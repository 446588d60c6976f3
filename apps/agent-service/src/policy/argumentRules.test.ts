import { describe, expect, it } from 'vitest';
import { policyBuilder } from '../../../../tests/support/keeperPolicy.ts';
import { PolicySet } from './evaluate.ts';
import { KeeperPolicy, type Collection } from './policySchema.ts';
import type { EvaluationRequest } from './request.ts';

const COLLECTIONS: Collection[] = [{ CollectionId: 'col-apt', Type: 'Application', Members: [{ Path: '/usr/bin/apt-get' }] }];
const policy = policyBuilder('a', 'arg');

function request(args: readonly string[] | undefined): EvaluationRequest {
  return {
    policyType: 'PrivilegeElevation',
    user: { uid: 1000, name: 'ana', groups: ['ana'], home: '/home/ana' },
    machine: { name: 'lap-17' },
    application: {
      path: '/usr/bin/apt-get',
      sha256: null,
      signer: null,
      commandLine: ['/usr/bin/apt-get', ...(args ?? [])].join(' '),
      ...(args ? { arguments: args } : {}),
    },
    agentic: null,
    at: new Date(2026, 10, 23, 10, 30),
  };
}

/** JUSTIFY when the arguments fit the rules, else the catch-all's APPROVAL. */
function controlsFor(extension: Record<string, unknown>, args: readonly string[] | undefined): readonly string[] {
  const set = new PolicySet([policy(['JUSTIFY'], { ApplicationCheck: ['col-apt'], Extension: extension }), policy(['APPROVAL'])], COLLECTIONS, 'linux');
  return set.evaluate(request(args), { defaultOutcome: 'deny' }).controls;
}

const APT = { AllowArguments: [['update'], ['install', '*...'], ['-y', 'install', '*...']], DenyArguments: ['*.deb'] };

describe('argument rules: AllowArguments and DenyArguments (docs/policy-semantics.md, 4.6)', () => {
  it('matches the argument vector one whole argument per pattern, with "..." for one or more further ones', () => {
    expect(controlsFor(APT, ['update'])).toEqual(['JUSTIFY']);
    expect(controlsFor(APT, ['install', 'htop'])).toEqual(['JUSTIFY']);
    expect(controlsFor(APT, ['install', 'htop', 'python3.11', 'libc6:amd64', 'vim=2:9.0'])).toEqual(['JUSTIFY']);
    expect(controlsFor(APT, ['-y', 'install', 'htop'])).toEqual(['JUSTIFY']);
    expect(controlsFor(APT, ['install'])).toEqual(['APPROVAL']);
    expect(controlsFor(APT, ['update', 'now'])).toEqual(['APPROVAL']);
    expect(controlsFor(APT, [])).toEqual(['APPROVAL']);
    expect(controlsFor(APT, ['up date'])).toEqual(['APPROVAL']);
  });

  it('never lets a wildcard reach an option: separate, glued, "=" and after "--"', () => {
    for (const args of [
      ['-o', 'APT::Update::Pre-Invoke::=id', 'update'],
      ['-oAPT::Update::Pre-Invoke::=id', 'update'],
      ['update', '-oAPT::Update::Pre-Invoke::=id'],
      ['--option=APT::Update::Pre-Invoke::=id', 'update'],
      ['install', 'htop', '-oDPkg::Pre-Invoke::=id'],
      ['install', 'htop', '--option', 'DPkg::Pre-Invoke::=id'],
      ['install', '--', '-oX=y'],
      ['install', '--'],
      ['-c', '/tmp/apt.conf', 'update'],
      ['install', '--allow-unauthenticated', 'htop'],
    ]) {
      expect(controlsFor(APT, args), args.join(' ')).toEqual(['APPROVAL']);
    }
  });

  it('a wildcard never matches "/" nor a leading ".", like a shell glob (no local package files, no "..")', () => {
    expect(controlsFor(APT, ['install', './evil.deb'])).toEqual(['APPROVAL']);
    expect(controlsFor(APT, ['install', '/tmp/evil'])).toEqual(['APPROVAL']);
    expect(controlsFor(APT, ['install', 'htop/bookworm'])).toEqual(['APPROVAL']);
    expect(controlsFor(APT, ['install', '..'])).toEqual(['APPROVAL']);
    const srv = { AllowArguments: [['/srv/*']] };
    expect(controlsFor(srv, ['/srv/site'])).toEqual(['JUSTIFY']);
    expect(controlsFor(srv, ['/srv/a/../../etc/shadow'])).toEqual(['APPROVAL']);
    expect(controlsFor(srv, ['/srv/.ssh'])).toEqual(['APPROVAL']);
    expect(controlsFor({ AllowArguments: [['/srv/.*']] }, ['/srv/.ssh'])).toEqual(['JUSTIFY']);
    expect(controlsFor({ AllowArguments: [['/srv/.*/x']] }, ['/srv/../x'])).toEqual(['APPROVAL']);
    expect(controlsFor({ AllowArguments: [['/srv/../x']] }, ['/srv/../x'])).toEqual(['JUSTIFY']);
  });

  it('an option matches only a pattern that spells it out (a pattern starting with "-")', () => {
    expect(controlsFor({ AllowArguments: [['--configure', '-a']] }, ['--configure', '-a'])).toEqual(['JUSTIFY']);
    expect(controlsFor({ AllowArguments: [['--configure', '-a']] }, ['--configure', '-a', '--force-all'])).toEqual(['APPROVAL']);
    expect(controlsFor({ AllowArguments: [['-?']] }, ['-y'])).toEqual(['JUSTIFY']);
  });

  it('DenyArguments: any argument matching one pattern (whole, "*" across anything) keeps the policy out', () => {
    expect(controlsFor(APT, ['install', 'evil.deb'])).toEqual(['APPROVAL']);
    expect(controlsFor({ DenyArguments: ['-o*', '--option*'] }, ['install', 'htop'])).toEqual(['JUSTIFY']);
    expect(controlsFor({ DenyArguments: ['-o*', '--option*'] }, ['--option=X', 'install'])).toEqual(['APPROVAL']);
  });

  it('a request whose arguments the engine was not given never passes a policy with argument rules (fail closed)', () => {
    expect(controlsFor(APT, undefined)).toEqual(['APPROVAL']);
    expect(controlsFor({}, undefined)).toEqual(['JUSTIFY']);
  });

  it('refuses at load "..." anywhere but at the end of a rule, and variables in argument patterns', () => {
    const base = { PolicyName: 'x', PolicyId: 'x', PolicyType: 'PrivilegeElevation', Status: 'enforce', Actions: { OnSuccess: { Controls: ['ALLOW'] } } };
    const issue = (Extension: unknown) => KeeperPolicy.safeParse({ ...base, Extension }).error?.issues[0];
    expect(issue({ AllowArguments: [['install', '*...', 'x']] })).toMatchObject({ path: ['Extension', 'AllowArguments', 0, 1] });
    expect(issue({ AllowArguments: [['update'], ['...']] })).toMatchObject({ path: ['Extension', 'AllowArguments', 1, 0] });
    expect(issue({ AllowArguments: [['{userprofile}/x']] })).toMatchObject({ path: ['Extension', 'AllowArguments', 0, 0] });
    expect(issue({ DenyArguments: ['{home}*'] })).toMatchObject({ path: ['Extension', 'DenyArguments', 0] });
    expect(issue({ AllowArguments: [[], ['install', '*...']], DenyArguments: ['*.deb'] })).toBeUndefined();
  });

  it('is case-insensitive on Windows only', () => {
    const set = (platform: NodeJS.Platform) => new PolicySet([policy(['ALLOW'], { Extension: { AllowArguments: [['update']] } })], COLLECTIONS, platform);
    expect(set('linux').evaluate(request(['UPDATE']), { defaultOutcome: 'deny' }).outcome).toBe('deny');
    expect(set('win32').evaluate(request(['UPDATE']), { defaultOutcome: 'deny' }).outcome).toBe('allow');
  });
});
