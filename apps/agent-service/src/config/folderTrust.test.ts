import { chmodSync, chownSync, lchownSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { assertTrustedFolder, untrustedFolderProblem, type FolderRule } from './folderTrust.ts';

const OTHER_UID = 65534;
const uid = process.getuid!();
const rule: FolderRule = { what: 'test', uid };
let root: string;

function folder(path: string, mode: number, owner = uid): string {
  mkdirSync(path);
  chmodSync(path, mode);
  if (owner !== uid) chownSync(path, owner, owner);
  return path;
}

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'kpt-trust-'));
});

afterEach(() => rmSync(root, { recursive: true, force: true }));

describe.skipIf(uid !== 0)('assertTrustedFolder (as root, which can make folders of other owners)', () => {
  it('trusts a 0755 folder of root or the agent under /tmp (a sticky root-owned ancestor)', () => {
    expect(untrustedFolderProblem(folder(join(root, 'ok'), 0o755), rule)).toBeNull();
  });

  it('refuses a folder others can write to, naming path, owner and mode', () => {
    const path = folder(join(root, 'open'), 0o775);
    expect(() => assertTrustedFolder(path, rule)).toThrow(`refusing the test folder ${path}: ${path} is owned by uid 0 with mode 0775`);
  });

  it('refuses a sticky root-owned folder as the folder itself (only ancestors may be /tmp-like)', () => {
    const path = folder(join(root, 'sticky'), 0o1777);
    expect(untrustedFolderProblem(path, rule)).toContain('mode 1777');
  });

  it('refuses a folder another uid owns, and one under an ancestor another uid owns or can write', () => {
    expect(untrustedFolderProblem(folder(join(root, 'theirs'), 0o755, OTHER_UID), rule)).toContain(`owned by uid ${OTHER_UID}`);
    const parent = folder(join(root, 'parent'), 0o755, OTHER_UID);
    expect(untrustedFolderProblem(folder(join(parent, 'child'), 0o755), rule)).toContain(`${parent} is owned by uid ${OTHER_UID}`);
    const open = folder(join(root, 'open-parent'), 0o777);
    expect(untrustedFolderProblem(folder(join(open, 'child'), 0o700), rule)).toContain(`${open} is owned by uid 0 with mode 0777`);
  });

  it('follows a symlink of a trusted owner and judges its target; refuses one another uid owns', () => {
    const target = folder(join(root, 'target'), 0o700);
    symlinkSync(target, join(root, 'link'));
    expect(untrustedFolderProblem(join(root, 'link'), rule)).toBeNull();
    chmodSync(target, 0o777);
    expect(untrustedFolderProblem(join(root, 'link'), rule)).toContain(`${target} is owned by uid 0 with mode 0777`);
    chmodSync(target, 0o700);
    symlinkSync(target, join(root, 'their-link'));
    lchownSync(join(root, 'their-link'), OTHER_UID, OTHER_UID);
    expect(untrustedFolderProblem(join(root, 'their-link'), rule)).toContain('(a symbolic link)');
  });

  it("ownedByAgent: the folder must be the agent uid's own real directory", () => {
    const target = folder(join(root, 'mine'), 0o700);
    symlinkSync(target, join(root, 'mine-link'));
    expect(untrustedFolderProblem(target, { ...rule, ownedByAgent: true })).toBeNull();
    expect(untrustedFolderProblem(join(root, 'mine-link'), { ...rule, ownedByAgent: true })).toContain('is a symbolic link');
    expect(untrustedFolderProblem(folder(join(root, 'other'), 0o700, OTHER_UID), { ...rule, uid: OTHER_UID + 1, ownedByAgent: true })).toContain(
      'it must be owned by uid',
    );
  });

  it('privateToOwner: any group or other bit is refused (chmod 700)', () => {
    expect(untrustedFolderProblem(folder(join(root, 'data-750'), 0o750), { ...rule, privateToOwner: true })).toContain('chmod 700');
    expect(untrustedFolderProblem(folder(join(root, 'data-711'), 0o711), { ...rule, privateToOwner: true })).toContain('chmod 700');
    expect(untrustedFolderProblem(folder(join(root, 'data-700'), 0o700), { ...rule, privateToOwner: true })).toBeNull();
  });

  it('a missing folder is a refusal, not a crash', () => {
    expect(untrustedFolderProblem(join(root, 'missing'), rule)).toContain('cannot check');
  });
});
