import { describe, expect, it } from 'vitest';
import { BASE64_PATTERN, isBase64 as withAtob } from '../../../shared/protocol/src/common/base64Chunk.ts';
import { isBase64 as withBuffer } from './base64Chunk.ts';

const pattern = new RegExp(BASE64_PATTERN);

/** Every string on which the protocol's check (atob/btoa, the agent's) or the CLI's (Buffer) and the pattern disagree. */
function disagreements(samples: Iterable<string>): string[] {
  const found: string[] = [];
  for (const sample of samples) {
    const expected = pattern.test(sample);
    if (withAtob(sample) !== expected) found.push(`atob: ${JSON.stringify(sample)}`);
    if (withBuffer(sample) !== expected) found.push(`Buffer: ${JSON.stringify(sample)}`);
  }
  return found;
}

/**
 * The UTF-16 code units a decoder could mistake for base64: every one up to U+02FF, every one whose low byte
 * is a base64 character or '=' over a spread of high bytes (a decoder that truncated to 8 bits would read them
 * as one), the surrogates' edges and a spread of the rest.
 */
function codeUnits(): number[] {
  const units = new Set<number>();
  for (let unit = 0; unit <= 0x2ff; unit++) units.add(unit);
  const lowBytes = [...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=-_'].map((char) => char.charCodeAt(0));
  for (const high of [0x01, 0x02, 0x04, 0x10, 0x41, 0x7f, 0x80, 0xd8, 0xdc, 0xfe, 0xff]) for (const low of lowBytes) units.add((high << 8) | low);
  for (const unit of [0xd7ff, 0xd800, 0xdbff, 0xdc00, 0xdfff, 0xe000, 0xfffd, 0xfffe, 0xffff]) units.add(unit);
  for (let unit = 0x300; unit <= 0xffff; unit += 127) units.add(unit);
  return [...units];
}

function* everyCodeUnitInPlace(): Generator<string> {
  // Alone, inside and after a whole group, next to padding: each place the checks treat apart.
  const places = ['#', 'AAA#', 'AAAA#', 'AA#A', 'AB#==', '#==', 'QUJD#QUJD', 'QUJD##', 'QUJD#=QU', 'QU==#'];
  for (const unit of codeUnits()) {
    const char = String.fromCharCode(unit);
    for (const place of places) yield place.replaceAll('#', char);
  }
}

function* randomStrings(count: number): Generator<string> {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  const odd = '==== -_\n\t\r.é\u0100\u0141\ud800\udc00\u0000';
  let seed = 17;
  const next = (below: number) => {
    seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
    return seed % below;
  };
  for (let i = 0; i < count; i++) {
    let text = '';
    for (let length = next(14); length > 0; length--) text += next(5) === 0 ? odd[next(odd.length)]! : alphabet[next(64)]!;
    yield text;
  }
}

describe('the base64 checks of chunks (protocol and CLI)', () => {
  it('agree with the pattern on the code units that matter, in every place of a chunk', () => {
    expect(disagreements(everyCodeUnitInPlace())).toEqual([]);
  });

  it('agree with the pattern on random short strings of base64 and other characters', () => {
    expect(disagreements(randomStrings(30_000))).toEqual([]);
  });

  it('agree with the pattern on real chunks, whole and with one character changed', () => {
    const bytes = Uint8Array.from({ length: 65_536 }, (_, i) => (i * 7919) & 255);
    const chunks = [0, 1, 2, 3, 100, 65_535, 65_536].map((length) => Buffer.from(bytes.subarray(0, length)).toString('base64'));
    const changed = chunks.flatMap((chunk) =>
      chunk.length === 0 ? [] : ['-', '_', ' ', '=', '\u0141'].map((char) => chunk.slice(0, chunk.length >> 1) + char + chunk.slice((chunk.length >> 1) + 1)),
    );
    expect(chunks.every((chunk) => withAtob(chunk) && withBuffer(chunk))).toBe(true);
    expect(disagreements([...chunks, ...changed])).toEqual([]);
  });
});
