import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const WRITER = join(import.meta.dirname, 'outputWriter.ts');

/** Runs `script` in a Node child whose stdout is a pipe this test reads, slowly when `slow`. */
function run(script: string, slow: boolean): Promise<{ code: number | null; out: Buffer; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      if (slow) {
        child.stdout.pause();
        setTimeout(() => child.stdout.resume(), 2);
      }
    });
    child.on('close', (code) => resolve({ code, out: Buffer.concat(chunks), stderr }));
  });
}

/** 2 MB in 16 chunks whose bytes say where they belong, so any reordering or loss shows. */
const PATTERN = `const chunks = Array.from({ length: 16 }, (_, i) => Buffer.alloc(131072, 65 + i));`;
const expected = Buffer.concat(Array.from({ length: 16 }, (_, i) => Buffer.alloc(131072, 65 + i)));
const digest = (data: Buffer) => createHash('sha256').update(data).digest('hex');

describe('OutputWriter (the relayed program output)', () => {
  it('writes every chunk, in order, straight to the descriptor', async () => {
    const script = `import { OutputWriter } from ${JSON.stringify(WRITER)};
      ${PATTERN}
      const out = new OutputWriter(1);
      for (const chunk of chunks) out.write(chunk);`;
    const result = await run(script, false);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(digest(result.out)).toBe(digest(expected));
  });

  it('on a descriptor made non-blocking (EAGAIN once the pipe is full), goes on through the stream, losing and reordering nothing', async () => {
    // Touching process.stdout first makes libuv set fd 1 non-blocking, as another program sharing it might.
    const script = `import { OutputWriter } from ${JSON.stringify(WRITER)};
      void process.stdout;
      ${PATTERN}
      const out = new OutputWriter(1);
      for (const chunk of chunks) out.write(chunk);`;
    const result = await run(script, true);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.out.length).toBe(expected.length);
    expect(digest(result.out)).toBe(digest(expected));
  });
});
