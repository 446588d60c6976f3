import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_DIR } from '../support/agentProcess.ts';
import { issueEnrollmentCode } from '../support/enrollmentCode.ts';
import { policyAgentSandbox } from '../support/policyAgent.ts';
import { appPolicy } from '../support/policyFixtures.ts';
import { systemUser } from '../support/requesterProcess.ts';

/**
 * Issue 15, attack 2: any local process could say `session.hello` with kind `desktop`, receive its
 * own prompt.show and answer it, so a JUSTIFY policy (the shipped package-manager one) gave every
 * account root with no person involved, service accounts included. Here real OS users play it
 * against the real agent: `nobody` the attacker, `keeper-alice` a person whose desktop the agent
 * can verify only through a login session (a fixture logind state folder, /proc the real one).
 */

const ATTACKER = 'nobody';
const PERSON = 'keeper-alice';

type Line = Record<string, unknown>;

/** A protocol client as another OS user, driven line by line: it prints JSON lines and reads JSON commands on stdin. */
interface Actor {
  readonly child: ChildProcessWithoutNullStreams;
  /** Resolves with the first printed line that has `key`. */
  line<T = unknown>(key: string): Promise<T>;
  send(command: Line): void;
  done(): Promise<void>;
}

/**
 * The script every actor runs: `hello` as a desktop (printing what the agent said about it),
 * report every prompt.show (answering justifications itself when given `answer`) and the request's
 * end, and run commands from stdin so the test decides each step.
 */
const ACTOR_SCRIPT = (socket: string, answer: string | null) => `
  const { AgentClient } = await import(${JSON.stringify(join(PROJECT_DIR, 'shared/protocol/src/node/agentClient.ts'))});
  const p = await import(${JSON.stringify(join(PROJECT_DIR, 'shared/protocol/src/common/index.ts'))});
  const say = (o) => console.log(JSON.stringify(o));
  const c = await AgentClient.connect(${JSON.stringify(socket)});
  const answer = ${JSON.stringify(answer)};
  c.onNotification(p.PromptShowNotification, (prompt) => {
    say({ prompt });
    // The attack: answer one's own justification prompt at once.
    if (answer !== null && prompt.kind === 'justification') void c.request(p.PromptRespond, { promptId: prompt.promptId, response: { kind: 'justification', text: answer } }).catch(() => {});
  });
  c.onNotification(p.ElevationUpdated, (u) => { if (u.state !== 'pending') say({ ['final:' + u.requestId]: { state: u.state, reason: u.reason, reasonDetail: u.reasonDetail } }); });
  const hello = await c.request(p.SessionHello, { protocolVersion: p.PROTOCOL_VERSION, client: { kind: 'desktop', name: 'actor', version: '1' } });
  say({ hello });
  const byMethod = (method) => Object.values(p).find((d) => d && d.kind === 'request' && d.method === method);
  let buffered = '';
  process.stdin.on('data', async (chunk) => {
    buffered += chunk.toString();
    const lines = buffered.split('\\n');
    buffered = lines.pop();
    for (const text of lines) {
      const { id, method, params } = JSON.parse(text);
      if (method === 'exit') { c.close(); process.exit(0); }
      try { say({ [id]: { ok: true, result: await c.request(byMethod(method), params) } }); }
      catch (e) { say({ [id]: { ok: false, code: e.code, message: e.message, data: e.data } }); }
    }
  });`;

interface ActorOptions {
  /** A program that runs the actor (a wrapper named like an AI agent). */
  readonly via?: string;
  /** Answers every justification prompt it is shown with this text, as an attacker would. */
  readonly answer?: string;
}

function startActor(user: string, socket: string, { via, answer }: ActorOptions = {}): Actor {
  const { uid, gid } = systemUser(user);
  const node = [process.execPath, '--input-type=module', '-e', ACTOR_SCRIPT(socket, answer ?? null)];
  const [file, ...args] = via ? [via, ...node] : node;
  const child = spawn(file!, args, { uid, gid, cwd: '/', stdio: ['pipe', 'pipe', 'pipe'] });
  const lines: Line[] = [];
  const waiters = new Set<() => void>();
  let buffered = '';
  let errors = '';
  child.stdout.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    const complete = buffered.split('\n');
    buffered = complete.pop() ?? '';
    for (const text of complete) if (text.trim()) lines.push(JSON.parse(text) as Line);
    for (const waiter of [...waiters]) waiter();
  });
  child.stderr.on('data', (chunk: Buffer) => (errors += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  // After the last of its output was read (unlike 'exit'): then no line can still come.
  const outputEnded = new Promise<void>((resolve) => child.once('close', () => resolve()));
  return {
    child,
    line: <T>(key: string) =>
      new Promise<T>((resolve, reject) => {
        const check = () => {
          const found = lines.find((l) => key in l);
          if (!found) return;
          waiters.delete(check);
          resolve(found[key] as T);
        };
        waiters.add(check);
        void outputEnded.then(() => reject(new Error(`${user} exited without "${key}": ${errors}`)));
        check();
      }),
    send: (command) => child.stdin.write(`${JSON.stringify(command)}\n`),
    done: async () => {
      if (child.exitCode === null) child.stdin.write(`${JSON.stringify({ method: 'exit' })}\n`);
      await exited;
    },
  };
}

type Outcome = { ok: true; result: Record<string, unknown> } | { ok: false; code: number; message: string; data?: Record<string, unknown> };

let nextCall = 0;
/** One request through the actor; resolves with its outcome. */
function call(actor: Actor, method: string, params: unknown): Promise<Outcome> {
  const id = `call-${nextCall++}`;
  actor.send({ id, method, params });
  return actor.line<Outcome>(id);
}

async function elevate(actor: Actor, executable: string, extra: Record<string, unknown> = {}): Promise<string> {
  const asked = await call(actor, 'elevation.request', { executable, arguments: [], cwd: '/', ...extra });
  if (!asked.ok) throw new Error(`elevation.request refused: ${asked.message}`);
  return asked.result['requestId'] as string;
}

const finalOf = (actor: Actor, requestId: string) => actor.line<{ state: string; reason: string; reasonDetail?: { code: string } }>(`final:${requestId}`);

describe('prompts reach only a verified desktop of the person they belong to (issue 15, attack 2)', () => {
  const sandbox = policyAgentSandbox();
  const actors: Actor[] = [];
  const actor = (user: string, options: ActorOptions = {}) => {
    const started = startActor(user, sandbox.socket, options);
    actors.push(started);
    return started;
  };
  const wrapperDir = mkdtempSync(join(tmpdir(), 'kpa-'));

  beforeAll(async () => {
    await sandbox.start({
      apps: { 'col-true': '/usr/bin/true', 'col-id': '/usr/bin/id', 'col-env': '/usr/bin/env' },
      policies: [
        appPolicy('pol-justify', 'col-true', ['JUSTIFY']),
        appPolicy('pol-mfa', 'col-id', ['MFA']),
        appPolicy('pol-env', 'col-env', ['ALLOW']),
        // Agentic policy: AI agents may not run env as root, whatever they say about themselves.
        appPolicy('pol-env-ai', 'col-env', ['DENY'], { Extension: { minAiLikelihoodPercent: 50 } }),
      ],
      openToOtherUsers: true,
    });
    chmodSync(wrapperDir, 0o755);
  });

  afterAll(async () => {
    await Promise.all(actors.map((a) => a.done()));
    await sandbox.dispose();
    rmSync(wrapperDir, { recursive: true, force: true });
  });

  it('(a) nobody, saying it is a desktop, never gets its own JUSTIFY prompt, cannot answer one, and is not allowed', async () => {
    // Even a logind session claiming to be nobody's does not make a system account a person.
    const spoofed = sandbox.desktopSessions.add({ user: ATTACKER });
    const attacker = actor(ATTACKER, { answer: 'I am a person, trust me' });
    expect(await attacker.line('hello')).toMatchObject({ desktop: { verified: false, reason: 'system-account' } });
    const requestId = await elevate(attacker, '/usr/bin/true');
    const final = await finalOf(attacker, requestId);
    expect(final).toMatchObject({ state: 'denied', reasonDetail: { code: 'justification-undeliverable' } });
    // keeper-elevate prints exactly this reason.
    expect(final.reason).toBe('No verified desktop session of nobody is connected to show the justification prompt.');
    const refused = await call(attacker, 'prompt.respond', { promptId: 'any', response: { kind: 'justification', text: 'I am a person, trust me' } });
    expect(refused).toMatchObject({ ok: false, code: -33001, data: { reasonDetail: { code: 'desktop-unverified' }, check: 'system-account' } });
    sandbox.desktopSessions.remove(spoofed);
  });

  it('(b) keeper-alice at a verified desktop answers her JUSTIFY prompt; without a login session she gets none', async () => {
    const session = sandbox.desktopSessions.add({ user: PERSON });
    const alice = actor(PERSON);
    expect(await alice.line('hello')).toMatchObject({ desktop: { verified: true } });
    const requestId = await elevate(alice, '/usr/bin/true');
    const prompt = await alice.line<{ promptId: string; kind: string }>('prompt');
    expect(prompt.kind).toBe('justification');
    expect(
      await call(alice, 'prompt.respond', { promptId: prompt.promptId, response: { kind: 'justification', text: 'Updating the VPN client today' } }),
    ).toEqual({ ok: true, result: { accepted: true } });
    expect(await finalOf(alice, requestId)).toMatchObject({ state: 'allowed' });
    await alice.done();

    sandbox.desktopSessions.remove(session);
    const sessionless = actor(PERSON, { answer: 'Nobody is at the desktop, I answer' });
    // Its ancestors lead to root's session (this test process), which is not hers.
    expect(await sessionless.line('hello')).toMatchObject({ desktop: { verified: false, reason: 'session-of-another-user' } });
    const denied = await elevate(sessionless, '/usr/bin/true');
    expect(await finalOf(sessionless, denied)).toMatchObject({
      state: 'denied',
      reason: 'No verified desktop session of keeper-alice is connected to show the justification prompt.',
    });
    await sessionless.done();
  });

  it('(c) nobody cannot answer keeper-alice’s prompt, and the refusal is audited', async () => {
    const session = sandbox.desktopSessions.add({ user: PERSON });
    const alice = actor(PERSON);
    await alice.line('hello');
    const attacker = actor(ATTACKER);
    await attacker.line('hello');
    const requestId = await elevate(alice, '/usr/bin/true');
    const prompt = await alice.line<{ promptId: string }>('prompt');
    const refused = await call(attacker, 'prompt.respond', {
      promptId: prompt.promptId,
      response: { kind: 'justification', text: 'Approving this for alice' },
    });
    expect(refused).toMatchObject({ ok: false, code: -33001 });
    expect(await call(alice, 'elevation.status', { requestId })).toMatchObject({ ok: true, result: { state: 'pending' } });
    await call(alice, 'prompt.respond', { promptId: prompt.promptId, response: { kind: 'cancel' } });
    expect(await finalOf(alice, requestId)).toMatchObject({ state: 'denied' });
    const db = new Database(join(sandbox.dataDir, 'agent.db'), { readonly: true });
    const audited = db.prepare("SELECT actor_uid FROM audit_events WHERE type = 'prompt.refused' AND request_id = ?").all(requestId);
    db.close();
    expect(audited).toEqual([{ actor_uid: systemUser(ATTACKER).uid }]);
    sandbox.desktopSessions.remove(session);
  });

  it('(d) the first MFA prompt cannot enroll without the administrator’s enrollment code; with `keeper-agent mfa issue` it can', async () => {
    const session = sandbox.desktopSessions.add({ user: PERSON });
    const alice = actor(PERSON);
    await alice.line('hello');
    const requestId = await elevate(alice, '/usr/bin/id');
    const prompt = await alice.line<{ promptId: string; kind: string; mfa: { enrolled: boolean } }>('prompt');
    expect(prompt).toMatchObject({ kind: 'mfa', mfa: { enrolled: false } });

    // Whoever answers the prompt, without the code: no secret, no enrollment.
    for (const params of [undefined, {}, { enrollmentCode: 'AAAA-BBBB-CCCC' }]) {
      const begun = await call(alice, 'mfa.enroll.begin', params);
      if (begun.ok)
        await call(alice, 'mfa.enroll.confirm', { enrollmentId: begun.result['enrollmentId'], code: await totp(begun.result['secret'] as string, 0) });
      expect(begun.ok).toBe(false);
    }
    expect(await call(alice, 'mfa.status', undefined)).toMatchObject({ ok: true, result: { enrolled: false } });

    const code = await issueEnrollmentCode(sandbox.dataDir, PERSON);
    // A connection that is not her verified desktop cannot use her code either.
    const attacker = actor(ATTACKER);
    await attacker.line('hello');
    expect(await call(attacker, 'mfa.enroll.begin', { enrollmentCode: code })).toMatchObject({
      ok: false,
      code: -33001,
      data: { reasonDetail: { code: 'desktop-unverified' } },
    });

    const begun = await call(alice, 'mfa.enroll.begin', { enrollmentCode: code });
    if (!begun.ok) throw new Error(`the issued code was refused: ${begun.message}`);
    const secret = begun.result as { secret: string; enrollmentId: string };
    expect(await call(alice, 'mfa.enroll.confirm', { enrollmentId: secret.enrollmentId, code: await totp(secret.secret, 0) })).toEqual({
      ok: true,
      result: { enrolled: true },
    });
    expect(await call(alice, 'prompt.respond', { promptId: prompt.promptId, response: { kind: 'mfa', code: await totp(secret.secret, 30) } })).toEqual({
      ok: true,
      result: { accepted: true },
    });
    expect(await finalOf(alice, requestId)).toMatchObject({ state: 'allowed' });
    // The code is spent.
    const db = new Database(join(sandbox.dataDir, 'agent.db'), { readonly: true });
    expect(db.prepare('SELECT COUNT(*) AS n FROM mfa_enrollment_codes').get()).toEqual({ n: 0 });
    db.close();
    sandbox.desktopSessions.remove(session);
  });

  it('(e) a request from under a process named like an AI agent is agentic from the kernel, whatever its params say', async () => {
    const claude = join(wrapperDir, 'claude');
    // Not `exec`: the shell stays the requester's parent, as an agent's process stays its tools' parent.
    writeFileSync(claude, '#!/bin/sh\n"$@"\n', { mode: 0o755 });

    const plain = actor(PERSON);
    await plain.line('hello');
    const allowed = await call(plain, 'elevation.request', { executable: '/usr/bin/env', arguments: [], cwd: '/' });
    expect(allowed).toMatchObject({ ok: true, result: { state: 'allowed' } });

    const agent = actor(PERSON, { via: claude });
    await agent.line('hello');
    for (const agentic of [undefined, { parentProcess: 'bash', aiLikelihoodPercent: 0 }]) {
      const asked = await call(agent, 'elevation.request', { executable: '/usr/bin/env', arguments: [], cwd: '/', ...(agentic ? { agentic } : {}) });
      expect(asked).toMatchObject({
        ok: true,
        result: { state: 'denied', decision: { reasonDetail: { code: 'policy-deny', values: { policy: 'Policy pol-env-ai' } } } },
      });
    }
  });
});

/** The code an authenticator app shows `offsetSeconds` from now. */
async function totp(secret: string, offsetSeconds: number): Promise<string> {
  const { codeAt } = await import('../support/totp.ts');
  return codeAt(secret, offsetSeconds);
}
