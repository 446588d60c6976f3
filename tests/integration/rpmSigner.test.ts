import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  closeSync,
  copyFileSync,
  cpSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PackageSigner } from '../../apps/agent-service/src/elevation/packageSigner.ts';
import { readRpmHeader } from '../../apps/agent-service/src/elevation/packageSignerRpmHeader.ts';
import { createLogger } from '../../apps/agent-service/src/log/logger.ts';
import { agentInMountNamespace } from '../support/agentInMountNamespace.ts';
import { makeSandbox, startAgent, type AgentProcess } from '../support/agentProcess.ts';
import { requestElevationAs } from '../support/asUser.ts';
import { policy, writePolicyDir } from '../support/policyFixtures.ts';
import { systemUser } from '../support/requesterProcess.ts';
import { ATTACKER } from '../support/testUsers.ts';

/** Debian ships rpm 4.18 with rpmbuild (`apt-get install rpm`; .ci/run installs it), so a real rpm database can be made here. */
const hasRpm = ['rpm', 'rpmbuild'].every((tool) => spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0);
if (!hasRpm) console.warn('tests/integration/rpmSigner.test.ts is skipped: it needs rpm and rpmbuild (apt-get install rpm)');

const sha256 = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

function run(command: string, args: readonly string[]): string {
  const result = spawnSync(command, args, { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed: ${result.stderr}`);
  return result.stdout;
}

interface PackagedFile {
  readonly path: string;
  readonly content?: string;
  readonly attribute?: '%config' | '%ghost';
}

/** Builds a noarch package of these files with rpmbuild from a spec of its own (no build-root scripts) and returns the .rpm. */
function buildRpm(work: string, name: string, files: readonly PackagedFile[], macros: Readonly<Record<string, string>> = {}): string {
  const install = files
    .filter((f) => f.content !== undefined)
    .map(
      (f) =>
        `mkdir -p "%{buildroot}${dirname(f.path)}"\necho ${Buffer.from(f.content!).toString('base64')} | base64 -d > "%{buildroot}${f.path}"\nchmod 755 "%{buildroot}${f.path}"`,
    );
  const spec = join(work, `${name}.spec`);
  writeFileSync(
    spec,
    [
      `Name: ${name}`,
      'Version: 1',
      'Release: 1',
      'Summary: A package of the Signer tests',
      'License: MIT',
      'BuildArch: noarch',
      '%description',
      'Built and installed into a database of its own by tests/integration/rpmSigner.test.ts.',
      '%install',
      ...install,
      '%files',
      ...files.map((f) => `${f.attribute ?? ''} ${f.path}`),
      '',
    ].join('\n'),
  );
  const top = join(work, 'rpmbuild');
  const defines = Object.entries({ _topdir: top, __os_install_post: '%{nil}', ...macros }).flatMap(([macro, value]) => ['--define', `${macro} ${value}`]);
  run('rpmbuild', ['-bb', '--quiet', ...defines, spec]);
  return join(top, 'RPMS', 'noarch', `${name}-1-1.noarch.rpm`);
}

const rpmAt = (db: string, ...args: string[]) => run('rpm', ['--dbpath', db, ...args]);

describe.skipIf(!hasRpm)('Signer on Linux: the rpm package that installed exactly these bytes (a real rpm database)', () => {
  // Made in beforeAll, so a run that skips or filters these tests leaves nothing behind.
  let work = '';
  let root = '';
  let db = '';
  const paths = { hello: '', configured: '', ghost: '', linked: '', legacy: '', twin: '' };
  const HELLO = '#!/bin/sh\necho hello\n';
  const LEGACY = '#!/bin/sh\necho legacy\n';
  const rpms = { hello: '', legacy: '', other: '' };
  const logged: string[] = [];
  const log = createLogger('Warning', { write: (line: string) => void logged.push(line) });
  const opened: number[] = [];
  const program = (path: string, canonical = path) => {
    const fd = openSync(path, 'r');
    opened.push(fd);
    return { path: canonical, sha256: sha256(path), fd };
  };
  const signerAt = (dbPath: string, adminDir = join(work, 'no-dpkg')) => new PackageSigner({ adminDir, rpmDbPath: dbPath, recheckMs: 0, log });
  let signer: PackageSigner;

  beforeAll(() => {
    work = mkdtempSync('/tmp/keeper-rpm-');
    chmodSync(work, 0o755);
    root = join(work, 'root');
    db = join(work, 'db');
    for (const name of Object.keys(paths) as (keyof typeof paths)[]) paths[name] = join(root, 'bin', name);
    mkdirSync(root);
    // Listed under a folder that is a link on disk, as /bin is a link to usr/bin on merged-/usr systems.
    symlinkSync('root', join(work, 'link'));
    rpms.hello = buildRpm(work, 'keeper-rpm-hello', [
      { path: paths.hello, content: HELLO },
      { path: paths.configured, content: '#!/bin/sh\necho configured\n', attribute: '%config' },
      { path: paths.ghost, attribute: '%ghost' },
      { path: join(work, 'link', 'bin', 'linked'), content: '#!/bin/sh\necho linked\n' },
    ]);
    // PGPHASHALGO_MD5: rpm's default before 4.14, still in the headers of older packages.
    rpms.legacy = buildRpm(work, 'keeper-rpm-legacy', [{ path: paths.legacy, content: LEGACY }], { _binary_filedigest_algorithm: '1' });
    rpms.other = buildRpm(work, 'keeper-rpm-other', [{ path: paths.hello, content: '#!/bin/sh\necho another package\n' }]);
    // Two packages that install one file with the same bytes: rpm lets them share it.
    const twin = { path: paths.twin, content: '#!/bin/sh\necho twin\n' };
    const twins = ['keeper-rpm-twin-a', 'keeper-rpm-twin-b'].map((name) => buildRpm(work, name, [twin]));
    rpmAt(db, '-i', '--nodeps', rpms.hello, rpms.legacy, ...twins);
    signer = signerAt(db);
  }, 60_000);

  afterAll(() => {
    for (const fd of opened) closeSync(fd);
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('reads every header of the database as rpm does: the same packages, and the same files under each', () => {
    const sqlite = new Database(join(db, 'rpmdb.sqlite'), { readonly: true });
    const headers = sqlite
      .prepare<[], Buffer>('SELECT blob FROM Packages')
      .pluck()
      .all()
      .map((blob) => readRpmHeader(blob));
    sqlite.close();
    expect(headers.map((h) => h.name).sort()).toEqual(rpmAt(db, '-qa', '--qf', '%{NAME}\n').trim().split('\n').sort());
    for (const header of headers) {
      const listed = rpmAt(db, '-q', '--qf', '[%{FILENAMES} %{FILEDIGESTS} %{FILESTATES} %{FILEFLAGS}\n]', header.name).trim().split('\n');
      expect(header.files.map((f) => `${f.dir}${f.base} ${f.digest} ${f.state} ${f.flags}`)).toEqual(listed);
      const algorithm = rpmAt(db, '-q', '--qf', '%{FILEDIGESTALGO}', header.name);
      expect(header.digestAlgorithm).toBe(algorithm === '(none)' ? 1 : Number(algorithm));
    }
  });

  it('names the package that owns the file and recorded its SHA-256', async () => {
    expect(rpmAt(db, '-q', '--qf', '%{FILEDIGESTALGO}', 'keeper-rpm-hello')).toBe('8');
    expect(await signer.signerOf(program(paths.hello))).toBe('keeper-rpm-hello');
  });

  it('names it under its canonical path when the package lists it under a folder that is a link', async () => {
    expect(rpmAt(db, '-ql', 'keeper-rpm-hello')).toContain(join(work, 'link', 'bin', 'linked'));
    expect(await signer.signerOf(program(paths.linked))).toBe('keeper-rpm-hello');
  });

  it('compares the MD5 a package recorded, hashing the descriptor it is given rather than the file at the path', async () => {
    // MD5 packages carry no FILEDIGESTALGO at all.
    expect(rpmAt(db, '-q', '--qf', '%{FILEDIGESTALGO}', 'keeper-rpm-legacy')).toBe('(none)');
    const original = program(paths.legacy);
    expect(await signer.signerOf(original)).toBe('keeper-rpm-legacy');
    // Other bytes now stand at the path; the descriptor still holds the recorded ones, and it is what would run.
    const swapped = join(work, 'legacy-swapped');
    writeFileSync(swapped, '#!/bin/sh\necho swapped\n');
    renameSync(swapped, paths.legacy);
    expect(await signerAt(db).signerOf(original)).toBe('keeper-rpm-legacy');
    expect(await signerAt(db).signerOf(program(paths.legacy))).toBeNull();
    const start = Buffer.alloc(2);
    readSync(original.fd, start, 0, 2, null);
    expect(start.toString('latin1')).toBe('#!');
    writeFileSync(paths.legacy, LEGACY);
  });

  it('no signer for other bytes at a package path', async () => {
    const tampered = join(work, 'hello-tampered');
    writeFileSync(tampered, `${HELLO}# changed\n`);
    expect(await signer.signerOf(program(tampered, paths.hello))).toBeNull();
  });

  it('no signer for an exact copy elsewhere, nor for a file no package owns', async () => {
    const copy = join(work, 'hello');
    copyFileSync(paths.hello, copy);
    expect(await signer.signerOf(program(copy))).toBeNull();
    const stray = join(root, 'bin', 'stray');
    writeFileSync(stray, HELLO);
    expect(await signer.signerOf(program(stray))).toBeNull();
  });

  it('no signer for a %config file nor a %ghost file, even with the bytes rpm recorded', async () => {
    expect(await signer.signerOf(program(paths.configured))).toBeNull();
    writeFileSync(paths.ghost, '');
    expect(await signer.signerOf(program(paths.ghost))).toBeNull();
  });

  it('no signer for a file two packages share under different names: neither is believed over the other', async () => {
    expect(rpmAt(db, '-qf', paths.twin).trim().split('\n').sort()).toEqual(['keeper-rpm-twin-a-1-1.noarch', 'keeper-rpm-twin-b-1-1.noarch']);
    expect(await signer.signerOf(program(paths.twin))).toBeNull();
  });

  it('no signer without an rpm database at the folder', async () => {
    expect(await signerAt(join(work, 'no-rpm')).signerOf(program(paths.hello))).toBeNull();
  });

  it('refuses a database that others could have written, and says so in the log', async () => {
    const file = join(db, 'rpmdb.sqlite');
    logged.length = 0;
    chmodSync(file, 0o666);
    expect(await signer.signerOf(program(paths.hello))).toBeNull();
    chmodSync(file, 0o644);
    expect(await signer.signerOf(program(paths.hello))).toBe('keeper-rpm-hello');
    chmodSync(db, 0o777);
    expect(await signer.signerOf(program(paths.hello))).toBeNull();
    chmodSync(db, 0o755);
    expect(await signer.signerOf(program(paths.hello))).toBe('keeper-rpm-hello');
    const lines = logged.map((line) => JSON.parse(line) as { reason: string; msg: string });
    expect(lines.map((l) => l.reason)).toEqual([
      `${file} is writable by group or others`,
      expect.stringContaining(`${db} is owned by uid 0 with mode 0777; group and others must not be able to write to it`),
    ]);
    expect(lines[0]!.msg).toContain('not used for Signer collections');
  });

  it('refuses a database that nobody made in a folder of their own (a copy claiming their program for a package)', async () => {
    const { uid, gid } = systemUser(ATTACKER);
    const theirs = join(work, 'theirs');
    mkdirSync(theirs);
    chmodSync(theirs, 0o755);
    spawnSync('chown', [`${uid}:${gid}`, theirs]);
    const made = spawnSync('sh', ['-c', 'mkdir "$0/db" && cp "$1/rpmdb.sqlite" "$0/db/"', theirs, db], { uid, gid });
    expect(made.status).toBe(0);
    logged.length = 0;
    expect(await signerAt(join(theirs, 'db')).signerOf(program(paths.hello))).toBeNull();
    expect(logged.join('')).toContain(`${theirs} is owned by uid ${uid}`);
  });

  it('no signer when dpkg and rpm name different packages for one file; the name when they agree', async () => {
    const admin = join(work, 'dpkg');
    mkdirSync(join(admin, 'info'), { recursive: true });
    writeFileSync(join(admin, 'status'), '');
    const md5 = createHash('md5').update(readFileSync(paths.hello)).digest('hex');
    writeFileSync(join(admin, 'info', 'hello-deb:amd64.md5sums'), `${md5}  ${paths.hello.slice(1)}\n`);
    logged.length = 0;
    expect(await signerAt(db, admin).signerOf(program(paths.hello))).toBeNull();
    expect(logged.join('')).toContain('dpkg and rpm both installed this file');
    rmSync(join(admin, 'info', 'hello-deb:amd64.md5sums'));
    writeFileSync(join(admin, 'info', 'keeper-rpm-hello:amd64.md5sums'), `${md5}  ${paths.hello.slice(1)}\n`);
    expect(await signerAt(db, admin).signerOf(program(paths.hello))).toBe('keeper-rpm-hello');
  });

  it('reads what rpm changed: a file taken over by another package, a package removed, installed again', async () => {
    rpmAt(db, '-i', '--nodeps', '--replacefiles', rpms.other);
    expect(await signer.signerOf(program(paths.hello))).toBe('keeper-rpm-other');
    // keeper-rpm-hello's entry is now "replaced": its own bytes back at the path are not its any more.
    writeFileSync(paths.hello, HELLO);
    expect(await signer.signerOf(program(paths.hello))).toBeNull();
    rpmAt(db, '-e', '--nodeps', 'keeper-rpm-other', 'keeper-rpm-hello');
    writeFileSync(paths.hello, HELLO);
    expect(await signer.signerOf(program(paths.hello))).toBeNull();
    rpmAt(db, '-i', '--nodeps', '--replacefiles', rpms.hello);
    expect(await signer.signerOf(program(paths.hello))).toBe('keeper-rpm-hello');
  });
});

/**
 * The real agent, with its default settings, on a machine whose rpm database holds the test package:
 * the agent runs in a private mount namespace of its own (unshare) in which the test's database is
 * bind-mounted over /var/lib/rpm, where rpm keeps it. `nobody` asks for the package's program under an
 * allow for `{ "Signer": "keeper-rpm-agent" }`, and for copies of it in a folder of their own.
 */
describe.skipIf(!hasRpm)('Signer collections match the rpm package that installed exactly these bytes (the real agent)', () => {
  let sandbox: ReturnType<typeof makeSandbox> | undefined;
  let socket = '';
  const TOOL = '#!/bin/sh\necho tool\n';
  let work = '';
  let tool = '';
  let agent: AgentProcess | undefined;
  let folder = '';

  beforeAll(async () => {
    sandbox = makeSandbox();
    socket = sandbox.socket;
    chmodSync(sandbox.dir, 0o755);
    work = mkdtempSync('/tmp/keeper-rpm-agent-');
    chmodSync(work, 0o755);
    tool = join(work, 'root', 'bin', 'tool');
    const db = join(work, 'db');
    rpmAt(db, '-i', '--nodeps', buildRpm(work, 'keeper-rpm-agent', [{ path: tool, content: TOOL }]));
    const policies = join(sandbox.dir, 'policies');
    mkdirSync(policies);
    writePolicyDir(policies, {}, [policy('pol-rpm', ['ALLOW'], { ApplicationCheck: ['col-rpm'] })]);
    writeFileSync(
      join(policies, 'collections.json'),
      JSON.stringify({ Collections: [{ CollectionId: 'col-rpm', Type: 'Application', Members: [{ Signer: 'keeper-rpm-agent' }] }] }),
    );
    const wrapper = agentInMountNamespace(work, db, '/var/lib/rpm');
    agent = await startAgent({ socket, dataDir: sandbox.dataDir, agentBin: wrapper, extra: ['--policies', policies] });
    folder = mkdtempSync('/tmp/keeper-rpm-attack-');
    cpSync(tool, join(folder, 'tool'));
    writeFileSync(join(folder, 'tool-payload'), `${TOOL}# payload\n`, { mode: 0o755 });
    spawnSync('chown', ['-R', `${systemUser(ATTACKER).uid}`, folder]);
    chmodSync(folder, 0o755);
  }, 60_000);

  afterAll(async () => {
    await agent?.stop();
    sandbox?.cleanup();
    if (work) rmSync(work, { recursive: true, force: true });
    if (folder) rmSync(folder, { recursive: true, force: true });
  });

  it('allows the package file itself, found through the rpm database at its default place', async () => {
    expect(await requestElevationAs(ATTACKER, socket, tool)).toMatchObject({ ok: true, result: { state: 'allowed', decision: { deciding: ['pol-rpm'] } } });
  });

  it('denies an exact copy and a copy with a payload in a folder of the attacker', async () => {
    for (const name of ['tool', 'tool-payload']) {
      expect(await requestElevationAs(ATTACKER, socket, join(folder, name))).toMatchObject({
        ok: true,
        result: { state: 'denied', decision: { outcome: 'deny', deciding: [] } },
      });
    }
  });

  it('denies the package path once it holds other bytes, and allows it again with the recorded ones', async () => {
    writeFileSync(tool, `${TOOL}# edited\n`);
    expect(await requestElevationAs(ATTACKER, socket, tool)).toMatchObject({ ok: true, result: { state: 'denied' } });
    writeFileSync(tool, TOOL);
    expect(await requestElevationAs(ATTACKER, socket, tool)).toMatchObject({ ok: true, result: { state: 'allowed' } });
  });
});
