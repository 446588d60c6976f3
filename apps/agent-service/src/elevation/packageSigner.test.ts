import { createHash } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  closeSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createLogger } from '../log/logger.ts';
import { systemUser } from '../../../../tests/support/requesterProcess.ts';
import { ATTACKER } from '../../../../tests/support/testUsers.ts';
import { PackageSigner } from './packageSigner.ts';

const digest = (algorithm: string, path: string) => createHash(algorithm).update(readFileSync(path)).digest('hex');
const dpkg = existsSync('/var/lib/dpkg/info/coreutils.md5sums');
// Cases that do not read the log: only critical lines would show.
const quiet = createLogger('Critical');

describe.runIf(dpkg)('Signer on Linux: the dpkg package that installed exactly these bytes', () => {
  const work = mkdtempSync(join(tmpdir(), 'keeper-signer-'));
  const opened: number[] = [];
  const program = (path: string, canonical = path) => {
    const fd = openSync(path, 'r');
    opened.push(fd);
    return { path: canonical, sha256: digest('sha256', path), fd };
  };
  afterAll(() => {
    for (const fd of opened) closeSync(fd);
    rmSync(work, { recursive: true, force: true });
  });
  const signer = new PackageSigner({ log: quiet });

  it('names the package that owns a file under its canonical path (coreutils lists /bin/true; /bin is a link to usr/bin)', async () => {
    expect(await signer.signerOf(program('/usr/bin/true'))).toBe('coreutils');
  });

  it('names a Multi-Arch package without its architecture (libc6:amd64 → libc6)', async () => {
    const libc = '/usr/lib/x86_64-linux-gnu/libc.so.6';
    if (!existsSync('/var/lib/dpkg/info/libc6:amd64.md5sums')) return;
    expect(await signer.signerOf(program(libc))).toBe('libc6');
  });

  it('no match for other bytes at a package path (the digest differs from what dpkg recorded)', async () => {
    const tampered = join(work, 'true-tampered');
    writeFileSync(tampered, Buffer.concat([readFileSync('/usr/bin/true'), Buffer.from('\n# changed')]));
    expect(await signer.signerOf(program(tampered, '/usr/bin/true'))).toBeNull();
  });

  it('no match for an exact copy elsewhere, nor for a file no package owns', async () => {
    const copy = join(work, 'true');
    copyFileSync('/usr/bin/true', copy);
    expect(await signer.signerOf(program(copy))).toBeNull();
    writeFileSync(join(work, 'tool'), '#!/bin/sh\n');
    expect(await signer.signerOf(program(join(work, 'tool')))).toBeNull();
  });

  it('reads what dpkg changed again: an install, a file edited afterwards, a removal', async () => {
    const admin = join(work, 'dpkg');
    mkdirSync(join(admin, 'info'), { recursive: true });
    writeFileSync(join(admin, 'status'), '');
    const tool = join(work, 'packaged-tool');
    writeFileSync(tool, 'version 1\n');
    const local = new PackageSigner({ adminDir: admin, recheckMs: 0, log: quiet });
    expect(await local.signerOf(program(tool))).toBeNull();
    // An install: dpkg writes the package's md5sums and rewrites status.
    writeFileSync(join(admin, 'info', 'keeper-test:amd64.md5sums'), `${digest('md5', tool)}  ${tool.slice(1)}\n`);
    writeFileSync(join(admin, 'status'), 'Package: keeper-test\n');
    expect(await local.signerOf(program(tool))).toBe('keeper-test');
    writeFileSync(tool, 'version 1, edited by hand\n');
    expect(await local.signerOf(program(tool))).toBeNull();
    // Removed: its md5sums goes, and with it the ownership, even of the original bytes.
    writeFileSync(tool, 'version 1\n');
    expect(await local.signerOf(program(tool))).toBe('keeper-test');
    rmSync(join(admin, 'info', 'keeper-test:amd64.md5sums'));
    writeFileSync(join(admin, 'status'), '');
    expect(await local.signerOf(program(tool))).toBeNull();
  });

  it('a database that someone other than root could have written counts as none, and the log says why', async () => {
    const logged: string[] = [];
    const log = createLogger('Warning', { write: (line: string) => void logged.push(line) });
    const reasons = () => logged.splice(0).map((line) => (JSON.parse(line) as { reason: string }).reason);
    const admin = join(work, 'dpkg-perms');
    mkdirSync(join(admin, 'info'), { recursive: true });
    writeFileSync(join(admin, 'status'), 'Package: keeper-test\n');
    const [tool, looseTool] = [join(work, 'perms-tool'), join(work, 'loose-tool')];
    writeFileSync(tool, 'version 1\n');
    writeFileSync(looseTool, 'loose\n');
    const list = (pkg: string, path: string) => writeFileSync(join(admin, 'info', `${pkg}.md5sums`), `${digest('md5', path)}  ${path.slice(1)}\n`);
    list('keeper-test', tool);
    list('keeper-loose', looseTool);
    chmodSync(join(admin, 'info', 'keeper-loose.md5sums'), 0o666);
    const local = new PackageSigner({ adminDir: admin, recheckMs: 0, log });
    expect(await local.signerOf(program(tool))).toBe('keeper-test');
    expect(await local.signerOf(program(looseTool))).toBeNull();
    expect(reasons()).toEqual([`${join(admin, 'info', 'keeper-loose.md5sums')} is writable by group or others`]);
    chmodSync(admin, 0o777);
    expect(await local.signerOf(program(tool))).toBeNull();
    expect(reasons()).toEqual([expect.stringContaining(`${admin} is owned by uid 0 with mode 0777; group and others must not be able to write to it`)]);
    chmodSync(admin, 0o755);
    expect(await local.signerOf(program(tool))).toBe('keeper-test');
    logged.length = 0;
  });

  it.runIf(process.getuid?.() === 0)('a database file of another user counts as none (a user who made one for their own program)', async () => {
    const logged: string[] = [];
    const log = createLogger('Warning', { write: (line: string) => void logged.push(line) });
    const admin = join(work, 'dpkg-theirs');
    mkdirSync(join(admin, 'info'), { recursive: true });
    const tool = join(work, 'their-tool');
    writeFileSync(tool, 'theirs\n');
    writeFileSync(join(admin, 'info', 'their-package.md5sums'), `${digest('md5', tool)}  ${tool.slice(1)}\n`);
    writeFileSync(join(admin, 'status'), 'Package: their-package\n');
    expect(await new PackageSigner({ adminDir: admin, log }).signerOf(program(tool))).toBe('their-package');
    const { uid, gid } = systemUser(ATTACKER);
    chownSync(join(admin, 'status'), uid, gid);
    expect(await new PackageSigner({ adminDir: admin, log }).signerOf(program(tool))).toBeNull();
    expect(logged.map((line) => (JSON.parse(line) as { reason: string }).reason)).toEqual([`${join(admin, 'status')} belongs to uid ${uid}`]);
  });

  it('no match when there is no dpkg database', async () => {
    const none = new PackageSigner({ adminDir: join(work, 'no-dpkg'), log: quiet });
    expect(await none.signerOf(program('/usr/bin/true'))).toBeNull();
  });

  it('reads through the descriptor it is given, without moving its position (the agent later runs that descriptor)', async () => {
    const p = program('/usr/bin/true');
    expect(await new PackageSigner({ log: quiet }).signerOf(p)).toBe('coreutils');
    const start = Buffer.alloc(4);
    readSync(p.fd, start, 0, 4, null);
    expect(start.toString('latin1')).toBe('\x7fELF');
  });
});
