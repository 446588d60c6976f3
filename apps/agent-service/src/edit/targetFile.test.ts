import { chmodSync, chownSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { systemUser } from '../../../../tests/support/requesterProcess.ts';
import { folderAsCaller } from './folderAsCaller.ts';
import { canonicalTarget, fileNameOf, NEW_FILE_MODE, openTarget, sha256Of, unchangedSince, writeBack } from './targetFile.ts';

const nobody = systemUser('nobody');

/** The root side of keeper-edit (docs/policy-semantics.md, 5.5); the tests run as root, like the agent. */
describe('keeper-edit target files', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'kpt-target-'));
    chmodSync(dir, 0o755);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('resolves the folder as the caller: symlinks and `..` resolved, a folder the caller cannot reach is null', async () => {
    mkdirSync(join(dir, 'etc'));
    symlinkSync(join(dir, 'etc'), join(dir, 'alias'));
    for (const uid of [0, nobody.uid]) {
      expect(await folderAsCaller(join(dir, 'alias', '..', 'etc'), uid, uid === 0 ? 0 : nobody.gid)).toBe(join(dir, 'etc'));
      expect(await folderAsCaller(join(dir, 'alias'), uid, uid === 0 ? 0 : nobody.gid)).toBe(join(dir, 'etc'));
      expect(await folderAsCaller(join(dir, 'missing'), uid, uid === 0 ? 0 : nobody.gid)).toBeNull();
    }
    // Root's 0700 folder: nobody learns neither what is in it nor where its links lead.
    mkdirSync(join(dir, 'private'), { mode: 0o700 });
    symlinkSync(join(dir, 'etc'), join(dir, 'private', 'inner'));
    expect(await folderAsCaller(join(dir, 'private', 'inner'), 0, 0)).toBe(join(dir, 'etc'));
    expect(await folderAsCaller(join(dir, 'private', 'inner'), nobody.uid, nobody.gid)).toBeNull();
    expect(await folderAsCaller(join(dir, 'private'), nobody.uid, nobody.gid)).toBeNull();
  });

  it('takes the last component as written, a name only', () => {
    expect(fileNameOf(join(dir, 'a.conf'))).toBe('a.conf');
    for (const bad of ['relative.conf', `${dir}/etc/`, `${dir}/etc/..`, `${dir}/etc/.`]) expect(() => fileNameOf(bad)).toThrow(/does not name a file/);
  });

  it('refuses folders another user than root can change (owner, group or others), but not root’s sticky ones', () => {
    const folder = join(dir, 'shared');
    mkdirSync(folder);
    chmodSync(folder, 0o777);
    expect(() => canonicalTarget(folder, 'a.conf')).toThrow(/can be changed by users other than root/);
    chmodSync(folder, 0o1777);
    expect(canonicalTarget(folder, 'a.conf')).toBe(join(folder, 'a.conf'));
    chmodSync(folder, 0o755);
    chownSync(folder, 1001, 0);
    expect(() => canonicalTarget(folder, 'a.conf')).toThrow(/can be changed by users other than root/);
    chownSync(folder, 0, 1001);
    chmodSync(folder, 0o775);
    expect(() => canonicalTarget(folder, 'a.conf')).toThrow(/can be changed by users other than root/);
  });

  it('opens without following a last-component symlink, regular files only, and finds a missing file absent', () => {
    writeFileSync(join(dir, 'real'), 'x');
    symlinkSync(join(dir, 'real'), join(dir, 'link'));
    expect(() => openTarget(join(dir, 'link'))).toThrow(/is a symbolic link/);
    mkdirSync(join(dir, 'sub'));
    expect(() => openTarget(join(dir, 'sub'))).toThrow(/not a regular file/);
    expect(openTarget(join(dir, 'missing'))).toMatchObject({ found: null, sha256: null });
    expect(openTarget(join(dir, 'real'))).toMatchObject({ content: Buffer.from('x'), sha256: sha256Of(Buffer.from('x')) });
  });

  it('writes back atomically with the original owner, group and mode, leaving no temporary file', () => {
    const path = join(dir, 'a.conf');
    writeFileSync(path, 'old\n');
    chownSync(path, 0, 4);
    chmodSync(path, 0o640);
    writeBack(openTarget(path), Buffer.from('new\n'));
    expect(readFileSync(path, 'utf8')).toBe('new\n');
    expect(statSync(path)).toMatchObject({ uid: 0, gid: 4, mode: 0o100640 });
    expect(readdirSync(dir)).toEqual(['a.conf']);
  });

  it('creates a missing file as root with mode 0644', () => {
    const path = join(dir, 'new.conf');
    writeBack(openTarget(path), Buffer.from('made\n'));
    expect(statSync(path)).toMatchObject({ uid: 0, gid: 0, mode: 0o100000 | NEW_FILE_MODE });
  });

  it('notices a change of content, of inode or of mtime alone, and refuses to write over it', () => {
    const path = join(dir, 'a.conf');
    writeFileSync(path, 'one\n');
    const copied = openTarget(path);
    expect(unchangedSince(copied)).toBe(true);
    utimesSync(path, new Date(2001, 1, 1), new Date(2001, 1, 1));
    expect(unchangedSince(copied)).toBe(false);
    const again = openTarget(path);
    writeFileSync(join(dir, 'b'), 'one\n');
    rmSync(path);
    symlinkSync(join(dir, 'b'), path);
    expect(unchangedSince(again)).toBe(false);
    expect(() => writeBack(again, Buffer.from('two\n'))).toThrow(/changed since it was copied/);
    expect(readdirSync(dir).sort()).toEqual(['a.conf', 'b']);
  });
});
