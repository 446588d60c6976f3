import { describe, expect, it } from 'vitest';
import { parseCommandLine } from './commandLine.ts';

describe('the "why" form’s command line', () => {
  it('splits on whitespace and honours quotes and backslashes', () => {
    expect(parseCommandLine('  /usr/bin/apt-get   install htop ')).toEqual({ ok: true, executable: '/usr/bin/apt-get', arguments: ['install', 'htop'] });
    expect(parseCommandLine(`/bin/sh -c 'echo "a b"' "x y" z\\ w ""`)).toEqual({
      ok: true,
      executable: '/bin/sh',
      arguments: ['-c', 'echo "a b"', 'x y', 'z w', ''],
    });
    expect(parseCommandLine('"/opt/my tool/run" --flag="a \\"b\\""')).toEqual({ ok: true, executable: '/opt/my tool/run', arguments: ['--flag=a "b"'] });
  });

  it('refuses an empty line, a relative program and an unclosed quote', () => {
    expect(parseCommandLine('   ')).toEqual({ ok: false, problem: 'empty' });
    expect(parseCommandLine('apt-get install htop')).toEqual({ ok: false, problem: 'not-absolute' });
    expect(parseCommandLine("/bin/echo 'oops")).toEqual({ ok: false, problem: 'unclosed-quote' });
  });
});
