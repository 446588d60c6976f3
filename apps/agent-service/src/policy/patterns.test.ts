import { describe, expect, it } from 'vitest';
import { compileVariablePattern, type Variables } from './patterns.ts';

/** The textbook reading of a Keeper pattern, as a RegExp: the oracle the fast matcher must agree with. */
function reference(pattern: string, value: string, caseInsensitive: boolean): boolean {
  const source = [...pattern].map((ch) => (ch === '*' ? '.*' : ch === '?' ? '.' : ch.replace(/[.+^${}()|[\]\\/-]/g, '\\$&'))).join('');
  return new RegExp(`^${source}$`, caseInsensitive ? 'is' : 's').test(value);
}

const none = (): Variables => ({});

describe('Keeper patterns', () => {
  it('agrees with the RegExp reading on 20,000 random patterns and values', () => {
    let seed = 7;
    const rnd = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const alphabet = ['a', 'b', 'A', '/', '.', '*', '?', '\n'];
    const word = (max: number, chars: readonly string[]) =>
      Array.from({ length: Math.floor(rnd() * max) }, () => chars[Math.floor(rnd() * chars.length)]).join('');
    let matches = 0;
    for (let i = 0; i < 20_000; i++) {
      const pattern = word(7, alphabet);
      const value = word(9, ['a', 'b', 'A', '/', '.', '\n']);
      const ci = i % 2 === 0;
      const expected = reference(pattern, value, ci);
      if (expected) matches++;
      expect(compileVariablePattern(pattern, ci)(value, none), `${JSON.stringify(pattern)} vs ${JSON.stringify(value)} (ci ${ci})`).toBe(expected);
    }
    // The generator must produce both outcomes, or the comparison proves nothing.
    expect(matches).toBeGreaterThan(1_000);
  });

  it('takes a variable value literally: a * in a home folder cannot widen the pattern', () => {
    const matches = compileVariablePattern('{userprofile}/bin/tool', false);
    expect(matches('/home/a*/bin/tool', () => ({ userprofile: '/home/a*' }))).toBe(true);
    expect(matches('/home/ab/bin/tool', () => ({ userprofile: '/home/a*' }))).toBe(false);
  });

  it('fails closed on a variable without a value and on an unknown variable', () => {
    expect(compileVariablePattern('{userprofile}/bin/*', false)('/bin/ls', () => ({ userprofile: '' }))).toBe(false);
    expect(compileVariablePattern('{nosuch}*', false)('anything', () => ({ userprofile: '/home/a' }))).toBe(false);
  });

  it('keeps a brace that names no variable as text, and folds variable values on Windows', () => {
    expect(compileVariablePattern('/opt/{1}/x', false)('/opt/{1}/x', none)).toBe(true);
    const matches = compileVariablePattern('{USERPROFILE}\\Tools\\*.exe', true);
    expect(matches('C:\\USERS\\ANA\\tools\\x.EXE', () => ({ userprofile: 'C:\\Users\\ana' }))).toBe(true);
  });

  it('only works the variables out when the pattern has some', () => {
    let asked = 0;
    const variables = () => {
      asked++;
      return {};
    };
    compileVariablePattern('/usr/bin/*', false)('/usr/bin/apt', variables);
    expect(asked).toBe(0);
  });
});
