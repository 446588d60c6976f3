/**
 * An installed package's header as rpm keeps it in its database (the `blob` of `Packages`), read for
 * the few tags the Signer needs. Format: rpm's docs/manual/format_header.md and lib/header.cc
 * (hdrblobInit, hdrblobImport): big-endian `il` (index entries) and `dl` (data bytes), `il` entries of
 * tag/type/offset/count, then the data; no magic in the database. Entries added at install time
 * ("dribbles", after the immutable region) replace region entries of the same tag, so the last entry
 * of a tag wins. Every offset and count is checked against the data; a header that does not add up
 * is refused whole.
 */

/** Tag numbers from rpm's include/rpm/rpmtag.h. */
const Tag = {
  NAME: 1000,
  FILESTATES: 1029,
  FILEMODES: 1030,
  FILEDIGESTS: 1035,
  FILEFLAGS: 1037,
  DIRINDEXES: 1116,
  BASENAMES: 1117,
  DIRNAMES: 1118,
  FILEDIGESTALGO: 5011,
} as const;

/** rpmTagType (include/rpm/rpmtag.h) of each tag read, and its alignment and element size (lib/header.cc typeAlign/typeSizes). */
const CHAR = 1;
const INT16 = 3;
const INT32 = 4;
const STRING = 6;
const STRING_ARRAY = 8;
const TYPE_OF_TAG: ReadonlyMap<number, number> = new Map([
  [Tag.NAME, STRING],
  [Tag.FILESTATES, CHAR],
  [Tag.FILEMODES, INT16],
  [Tag.FILEDIGESTS, STRING_ARRAY],
  [Tag.FILEFLAGS, INT32],
  [Tag.DIRINDEXES, INT32],
  [Tag.BASENAMES, STRING_ARRAY],
  [Tag.DIRNAMES, STRING_ARRAY],
  [Tag.FILEDIGESTALGO, INT32],
]);
const SIZE_OF_TYPE: Readonly<Record<number, number>> = { [CHAR]: 1, [INT16]: 2, [INT32]: 4 };

/** lib/header.cc: HEADER_TAGS_MAX, HEADER_DATA_MAX, HEADER_ARRAY_MAX. */
const MAX_TAGS = 0xffff;
const MAX_DATA = 0x0fffffff;
const MAX_ARRAY = 0x000fffff;

/** One file of a package, as its header lists it. */
export interface RpmHeaderFile {
  /** The folder as listed, with its trailing `/`. */
  readonly dir: string;
  readonly base: string;
  /** Hex, empty for files that have none (not regular files, %ghost). */
  readonly digest: string;
  /** st_mode the package gives the file. */
  readonly mode: number;
  /** RPMFILE_* bits (include/rpm/rpmfiles.h). */
  readonly flags: number;
  /** RPMFILE_STATE_* (include/rpm/rpmfiles.h): 0 installed, 1 replaced by another package, 2 not installed, … */
  readonly state: number;
}

export interface RpmHeader {
  readonly name: string;
  /** PGPHASHALGO_* of FILEDIGESTS (include/rpm/rpmpgp.h); absent in the header means MD5 (1). */
  readonly digestAlgorithm: number;
  readonly files: readonly RpmHeaderFile[];
}

export class RpmHeaderError extends Error {
  constructor(message: string) {
    super(`rpm header: ${message}`);
    this.name = 'RpmHeaderError';
  }
}

interface Entry {
  readonly type: number;
  readonly offset: number;
  readonly count: number;
}

/** Reads a database header blob; throws RpmHeaderError when it is not a well-formed header. */
export function readRpmHeader(blob: Uint8Array): RpmHeader {
  const view = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  if (blob.byteLength < 8) throw new RpmHeaderError('shorter than its lengths');
  const il = view.getUint32(0);
  const dl = view.getUint32(4);
  if (il < 1 || il > MAX_TAGS || dl > MAX_DATA) throw new RpmHeaderError(`lengths out of range (${il} entries, ${dl} bytes)`);
  const dataStart = 8 + 16 * il;
  if (dataStart + dl !== blob.byteLength) throw new RpmHeaderError(`size ${blob.byteLength} is not 8 + 16 × ${il} + ${dl}`);

  const entries = new Map<number, Entry>();
  for (let i = 0; i < il; i++) {
    const at = 8 + 16 * i;
    const tag = view.getUint32(at);
    const expected = TYPE_OF_TAG.get(tag);
    if (expected === undefined) continue;
    const entry = { type: view.getUint32(at + 4), offset: view.getInt32(at + 8), count: view.getUint32(at + 12) };
    if (entry.type !== expected) throw new RpmHeaderError(`tag ${tag} has type ${entry.type}, not ${expected}`);
    if (entry.offset < 0 || entry.offset >= dl || entry.count < 1 || entry.count > MAX_ARRAY) throw new RpmHeaderError(`tag ${tag} lies outside the data`);
    const size = SIZE_OF_TYPE[entry.type];
    if (size !== undefined && (entry.offset % size !== 0 || entry.offset + size * entry.count > dl))
      throw new RpmHeaderError(`tag ${tag} lies outside the data`);
    entries.set(tag, entry);
  }

  const data = blob.subarray(dataStart);
  const strings = (tag: number): string[] => {
    const entry = entries.get(tag);
    if (!entry) return [];
    const out: string[] = [];
    let at = entry.offset;
    for (let i = 0; i < entry.count; i++) {
      const end = data.indexOf(0, at);
      if (end < 0) throw new RpmHeaderError(`tag ${tag} runs past the data`);
      out.push(Buffer.from(data.buffer, data.byteOffset + at, end - at).toString('utf8'));
      at = end + 1;
    }
    return out;
  };
  const numbers = (tag: number): number[] => {
    const entry = entries.get(tag);
    if (!entry) return [];
    const at = dataStart + entry.offset;
    return Array.from({ length: entry.count }, (_, i) =>
      entry.type === INT32 ? view.getUint32(at + 4 * i) : entry.type === INT16 ? view.getUint16(at + 2 * i) : view.getInt8(at + i),
    );
  };

  const [name] = strings(Tag.NAME);
  if (!name) throw new RpmHeaderError('no package name');
  const algorithm = numbers(Tag.FILEDIGESTALGO)[0] ?? 1;
  const bases = strings(Tag.BASENAMES);
  const dirs = strings(Tag.DIRNAMES);
  const dirIndexes = numbers(Tag.DIRINDEXES);
  const digests = strings(Tag.FILEDIGESTS);
  const modes = numbers(Tag.FILEMODES);
  const flags = numbers(Tag.FILEFLAGS);
  const states = numbers(Tag.FILESTATES);
  const n = bases.length;
  if ([dirIndexes, digests, modes, flags, states].some((list) => list.length !== n)) throw new RpmHeaderError(`${name}: the file lists differ in length`);
  const files = bases.map((base, i): RpmHeaderFile => {
    const dir = dirs[dirIndexes[i]!];
    if (dir === undefined) throw new RpmHeaderError(`${name}: a file names a folder that is not listed`);
    return { dir, base, digest: digests[i]!, mode: modes[i]!, flags: flags[i]!, state: states[i]! };
  });
  return { name, digestAlgorithm: algorithm, files };
}
