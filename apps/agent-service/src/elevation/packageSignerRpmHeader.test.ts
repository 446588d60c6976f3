import { describe, expect, it } from 'vitest';
import { readRpmHeader, RpmHeaderError } from './packageSignerRpmHeader.ts';

type Value = string | readonly string[] | readonly number[];
interface Entry {
  readonly tag: number;
  readonly type: number;
  readonly value: Value;
}

/** rpm's header layout (docs/manual/format_header.md), as the database stores it: no magic; each value aligned to its type. */
function header(entries: readonly Entry[]): Buffer {
  const size: Record<number, number> = { 1: 1, 3: 2, 4: 4 };
  const chunks: Buffer[] = [];
  let length = 0;
  const index = entries.map(({ tag, type, value }) => {
    const width = size[type];
    const padding = width ? (width - (length % width)) % width : 0;
    chunks.push(Buffer.alloc(padding));
    length += padding;
    let bytes: Buffer;
    let count: number;
    if (type === 6) [bytes, count] = [Buffer.from(`${value as string}\0`), 1];
    else if (type === 8) [bytes, count] = [Buffer.from((value as string[]).map((s) => `${s}\0`).join('')), (value as string[]).length];
    else {
      const numbers = value as number[];
      bytes = Buffer.alloc(numbers.length * width!);
      numbers.forEach((n, i) => (type === 4 ? bytes.writeUInt32BE(n, 4 * i) : type === 3 ? bytes.writeUInt16BE(n, 2 * i) : bytes.writeInt8(n, i)));
      count = numbers.length;
    }
    const entry = { tag, type, offset: length, count };
    chunks.push(bytes);
    length += bytes.length;
    return entry;
  });
  const head = Buffer.alloc(8 + 16 * index.length);
  head.writeUInt32BE(index.length, 0);
  head.writeUInt32BE(length, 4);
  index.forEach((e, i) => {
    head.writeUInt32BE(e.tag, 8 + 16 * i);
    head.writeUInt32BE(e.type, 12 + 16 * i);
    head.writeInt32BE(e.offset, 16 + 16 * i);
    head.writeUInt32BE(e.count, 20 + 16 * i);
  });
  return Buffer.concat([head, ...chunks]);
}

const SHA = 'a'.repeat(64);
/** One package with an installed program, its %config file and a folder entry (tag numbers from rpmtag.h). */
const base: Entry[] = [
  { tag: 1000, type: 6, value: 'hello' },
  { tag: 1029, type: 1, value: [0, 0, 0] },
  { tag: 1030, type: 3, value: [0o100755, 0o100644, 0o40755] },
  { tag: 1035, type: 8, value: [SHA, 'b'.repeat(64), ''] },
  { tag: 1037, type: 4, value: [0, 1, 0] },
  { tag: 1116, type: 4, value: [0, 1, 0] },
  { tag: 1117, type: 8, value: ['hello', 'hello.conf', 'share'] },
  { tag: 1118, type: 8, value: ['/usr/bin/', '/etc/'] },
  { tag: 5011, type: 4, value: [8] },
];
const replaced = (tag: number, value: Value) => base.map((e) => (e.tag === tag ? { ...e, value } : e));

describe('rpm header blobs as the database stores them', () => {
  it('reads the name, the digest algorithm and each file with its folder, digest, mode, flags and state', () => {
    const read = readRpmHeader(header(base));
    expect(read.name).toBe('hello');
    expect(read.digestAlgorithm).toBe(8);
    expect(read.files).toEqual([
      { dir: '/usr/bin/', base: 'hello', digest: SHA, mode: 0o100755, flags: 0, state: 0 },
      { dir: '/etc/', base: 'hello.conf', digest: 'b'.repeat(64), mode: 0o100644, flags: 1, state: 0 },
      { dir: '/usr/bin/', base: 'share', digest: '', mode: 0o40755, flags: 0, state: 0 },
    ]);
  });

  it('reads a state below zero (RPMFILE_STATE_MISSING is -1) as signed', () => {
    expect(readRpmHeader(header(replaced(1029, [-1, 0, 2]))).files.map((f) => f.state)).toEqual([-1, 0, 2]);
  });

  it('takes MD5 when the header names no digest algorithm (packages older than FILEDIGESTALGO)', () => {
    expect(readRpmHeader(header(base.filter((e) => e.tag !== 5011))).digestAlgorithm).toBe(1);
  });

  it('lets an entry added at install time replace the one of the same tag before it (a dribble over the region)', () => {
    const read = readRpmHeader(header([...base, { tag: 1029, type: 1, value: [1, 0, 0] }]));
    expect(read.files[0]!.state).toBe(1);
  });

  it('reads a package without files', () => {
    expect(readRpmHeader(header([base[0]!])).files).toEqual([]);
  });

  it('skips tags it does not read, whatever their type', () => {
    expect(readRpmHeader(header([{ tag: 1001, type: 6, value: '1.0' }, ...base, { tag: 5008, type: 4, value: [1, 2] }])).name).toBe('hello');
  });

  it('refuses a blob whose size is not 8 + 16 × entries + data, and one without a name', () => {
    const blob = header(base);
    expect(() => readRpmHeader(blob.subarray(0, blob.length - 1))).toThrow(RpmHeaderError);
    expect(() => readRpmHeader(Buffer.concat([blob, Buffer.alloc(1)]))).toThrow(RpmHeaderError);
    expect(() => readRpmHeader(blob.subarray(0, 4))).toThrow(RpmHeaderError);
    expect(() => readRpmHeader(header(base.slice(1)))).toThrow(/no package name/);
  });

  it('refuses a tag of another type than rpm gives it', () => {
    expect(() => readRpmHeader(header([{ tag: 1000, type: 8, value: ['hello'] }]))).toThrow(/type 8/);
  });

  it('refuses offsets and counts outside the data: an entry past the end, an array that runs over it, a string without its end', () => {
    const blob = header(base);
    const at = (i: number) => 8 + 16 * i;
    const moved = Buffer.from(blob);
    moved.writeInt32BE(blob.readUInt32BE(4), at(0) + 8);
    expect(() => readRpmHeader(moved)).toThrow(/outside the data/);
    const negative = Buffer.from(blob);
    negative.writeInt32BE(-16, at(0) + 8);
    expect(() => readRpmHeader(negative)).toThrow(/outside the data/);
    const longer = Buffer.from(blob);
    longer.writeUInt32BE(0xfffff, at(5) + 12);
    expect(() => readRpmHeader(longer)).toThrow(/outside the data/);
    const unaligned = Buffer.from(blob);
    unaligned.writeInt32BE(blob.readInt32BE(at(5) + 8) + 1, at(5) + 8);
    expect(() => readRpmHeader(unaligned)).toThrow(/outside the data/);
    const strings = Buffer.from(blob);
    strings.writeUInt32BE(1000, at(6) + 12);
    expect(() => readRpmHeader(strings)).toThrow(/runs past the data/);
  });

  it('refuses file lists of different lengths and a folder index that names no folder', () => {
    expect(() => readRpmHeader(header(replaced(1035, [SHA])))).toThrow(/differ in length/);
    expect(() => readRpmHeader(header(base.filter((e) => e.tag !== 1029)))).toThrow(/differ in length/);
    expect(() => readRpmHeader(header(replaced(1116, [0, 2, 0])))).toThrow(/not listed/);
  });

  it('answers every single damaged byte of a header with a header or an RpmHeaderError, never another error', () => {
    const blob = header(base);
    for (let i = 0; i < blob.length; i++) {
      for (const byte of [0x00, 0x7f, 0xff]) {
        const damaged = Buffer.from(blob);
        damaged[i] = byte;
        try {
          readRpmHeader(damaged);
        } catch (error) {
          expect(error).toBeInstanceOf(RpmHeaderError);
        }
      }
    }
  });
});
