import { describe, expect, it } from 'vitest';
import { FrameSplitter, FrameViolation } from './frameGuard.ts';

const LIMITS = { maxBodyBytes: 64, maxHeaderBytes: 48 };

const frame = (body: string) => `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
const texts = (bodies: Buffer[]) => bodies.map((b) => b.toString('utf8'));

describe('FrameSplitter', () => {
  const stream = Buffer.from(frame('{"a":1}') + frame('') + 'X-Other: 1\r\ncontent-length: 4\r\n\r\nnull' + frame('{"ü":"€"}'));
  const expected = ['{"a":1}', '', 'null', '{"ü":"€"}'];

  it('finds every frame of a stream cut into two pieces at any byte', () => {
    for (let cut = 0; cut <= stream.length; cut++) {
      const splitter = new FrameSplitter(LIMITS);
      const bodies = [...splitter.push(stream.subarray(0, cut)), ...splitter.push(stream.subarray(cut))];
      expect(texts(bodies), `cut at ${cut}`).toEqual(expected);
    }
  });

  it('finds every frame of a stream fed one byte at a time', () => {
    const splitter = new FrameSplitter(LIMITS);
    const bodies: Buffer[] = [];
    for (let i = 0; i < stream.length; i++) bodies.push(...splitter.push(stream.subarray(i, i + 1)));
    expect(texts(bodies)).toEqual(expected);
  });

  it('accepts a body of exactly the limit and refuses one byte more on the header alone', () => {
    expect(texts(new FrameSplitter(LIMITS).push(Buffer.from(frame('x'.repeat(64)))))).toEqual(['x'.repeat(64)]);
    expect(() => new FrameSplitter(LIMITS).push(Buffer.from('Content-Length: 65\r\n\r\n'))).toThrow(
      new FrameViolation('frame of 65 bytes exceeds the 64-byte limit'),
    );
  });

  it('refuses a header longer than the limit before it ends', () => {
    expect(() => new FrameSplitter(LIMITS).push(Buffer.from(`X-Padding: ${'a'.repeat(40)}`))).toThrow(new FrameViolation('frame header exceeds 48 bytes'));
  });

  it.each([
    ['no Content-Length', 'Foo: bar\r\n\r\n'],
    ['two Content-Lengths', 'Content-Length: 2\r\nContent-Length: 2\r\n\r\n{}'],
    ['a space before the colon', 'Content-Length : 2\r\n\r\n{}'],
    ['a stray CR', 'Content-Length: 2\r\r\n\r\n{}'],
    ['a byte above 0x7E', 'Content-Length: \xb12\r\n\r\n{}'],
    ['a length that is not decimal', 'Content-Length: 0x10\r\n\r\n'],
    ['only the terminator', '\r\n\r\n{}'],
  ])('refuses an ambiguous header block (%s)', (_, bytes) => {
    expect(() => new FrameSplitter(LIMITS).push(Buffer.from(bytes, 'latin1'))).toThrow(new FrameViolation('frame has no valid Content-Length header'));
  });

  it('passes a body that arrives in one piece on without copying it', () => {
    const chunk = Buffer.from(frame('{"b":2}'));
    const [body] = new FrameSplitter(LIMITS).push(chunk);
    expect(body!.buffer).toBe(chunk.buffer);
  });
});
