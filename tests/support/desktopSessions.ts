import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** What logind writes for a session; the defaults are an active, local, graphical seat session. */
export interface FixtureSession {
  /** The account's name (its uid is looked up) or a uid. */
  readonly user: string | number;
  /** The session's LEADER: processes descending from it belong to it. Default: this test process. */
  readonly leader?: number;
  readonly type?: 'x11' | 'wayland' | 'mir' | 'tty';
  readonly active?: boolean;
  readonly remote?: boolean;
  readonly sessionClass?: 'user' | 'greeter';
}

export interface DesktopSessionFixture {
  /** The folder the agent reads as logind's state (`--logind-dir`). */
  readonly dir: string;
  /** Writes a session file as systemd-logind would and returns its id. */
  add(session: FixtureSession): string;
  remove(id: string): void;
  cleanup(): void;
}

let nextId = 1;

/**
 * A stand-in for /run/systemd on machines (and containers) without logind: the agent under test
 * reads sessions from here through its one seam, `--logind-dir`; /proc stays the real one. A
 * session led by this test process (the default) covers the in-process desktop clients of the test
 * and every process it spawns, which descend from it.
 */
export function desktopSessionFixture(): DesktopSessionFixture {
  const dir = mkdtempSync(join(tmpdir(), 'kpl-'));
  mkdirSync(join(dir, 'sessions'));
  mkdirSync(join(dir, 'users'));
  return {
    dir,
    add(session) {
      const uid = typeof session.user === 'number' ? session.user : Number(execFileSync('id', ['-u', '--', session.user], { encoding: 'utf8' }).trim());
      const id = `kt${nextId++}`;
      const lines = [
        `UID=${uid}`,
        `USER=${typeof session.user === 'string' ? session.user : uid}`,
        `ACTIVE=${session.active === false ? 0 : 1}`,
        `IS_DISPLAY=1`,
        `STATE=${session.active === false ? 'online' : 'active'}`,
        `REMOTE=${session.remote ? 1 : 0}`,
        `TYPE=${session.type ?? 'x11'}`,
        `CLASS=${session.sessionClass ?? 'user'}`,
        `SEAT=seat0`,
        `LEADER=${session.leader ?? process.pid}`,
      ];
      writeFileSync(join(dir, 'sessions', id), `${lines.join('\n')}\n`);
      writeFileSync(join(dir, 'users', String(uid)), `NAME=${String(session.user)}\nSTATE=active\nDISPLAY=${id}\nSESSIONS=${id}\n`);
      return id;
    },
    remove(id) {
      rmSync(join(dir, 'sessions', id), { force: true });
    },
    cleanup() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The test process as root's desktop (what the e2e web shell and in-process desktop clients run as). */
export function rootDesktopFixture(): DesktopSessionFixture {
  const fixture = desktopSessionFixture();
  fixture.add({ user: 0 });
  return fixture;
}
