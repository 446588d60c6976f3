import 'reflect-metadata';
import { X509Certificate } from 'node:crypto';
import { statSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import { join } from 'node:path';
import * as x509 from '@peculiar/x509';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { FleetCallError, FleetHttp } from '../../apps/agent-service/src/fleet/fleetHttp.ts';
import { fleetDir, loadIdentity, newKeyAndCsr } from '../../apps/agent-service/src/fleet/fleetIdentity.ts';
import { registerWithFleet, RegistrationError } from '../../apps/agent-service/src/fleet/registration.ts';
import { runRegisterCommand } from '../../apps/agent-service/src/fleet/registerCommand.ts';
import { loadOrCreateCa } from '../../apps/fleet-server/src/pki/ca.ts';
import { revokeMachine } from '../../apps/fleet-server/src/services/machines.ts';
import { Health, PolicyBundle } from '../../shared/protocol/src/common/fleet.ts';
import { createFleetFixture, until, type FleetFixture } from './support/fleetHarness.ts';
import type { RunningFleetServer } from '../../apps/fleet-server/src/fleetServer.ts';

let fx: FleetFixture;
let server: RunningFleetServer;

beforeAll(async () => {
  fx = await createFleetFixture();
  server = await fx.start();
});
afterAll(() => fx.drop());

async function refusalOf(promise: Promise<unknown>): Promise<FleetCallError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(FleetCallError);
  return error as FleetCallError;
}

async function audited(type: string, error: string): Promise<number> {
  const { rows } = await fx.admin.query<{ n: string }>("SELECT count(*) AS n FROM audit_events WHERE type = $1 AND data->>'error' = $2", [type, error]);
  return Number(rows[0]!.n);
}

describe('registration and machine identity', () => {
  it('registers once with a token: key 0600, certificate for the server-chosen id, then mutual TLS', async () => {
    const { dataDir, identity } = await fx.register(server, 'pilot', 'host-a');
    expect(statSync(join(fleetDir(dataDir), 'key.pem')).mode & 0o777).toBe(0o600);
    expect(identity.group).toBe('pilot');
    const http = new FleetHttp({ baseUrl: server.url, tls: identity });
    await expect(http.call('GET', '/v1/policies', PolicyBundle)).resolves.toMatchObject({ group: 'pilot', version: 0 });
    http.close();
  });

  it('refuses a reused, an expired and an unknown token, each with its own code, and audits them', async () => {
    const token = await fx.token('pilot');
    await registerWithFleet(server.url, token, join(fx.dataDir, 'reuse-1'), 'reuse-1');
    const reused = await refusalOf(registerWithFleet(server.url, token, join(fx.dataDir, 'reuse-2'), 'reuse-2'));
    expect(reused.code).toBe('token-used');
    expect(loadIdentity(join(fx.dataDir, 'reuse-2'))).toBeNull();

    const expired = await fx.token('pilot', 1);
    await until(async () => ((await fx.admin.query('SELECT 1 FROM registration_tokens WHERE expires_at <= now()')).rowCount ? true : undefined));
    expect((await refusalOf(registerWithFleet(server.url, expired, join(fx.dataDir, 'expired'), 'expired'))).code).toBe('token-expired');

    const wrong = token.replace(/^kf1\.[^.]{4}/, 'kf1.AAAA');
    expect((await refusalOf(registerWithFleet(server.url, wrong, join(fx.dataDir, 'wrong'), 'wrong'))).code).toBe('token-invalid');
    expect(await audited('fleet.request.refused', 'token-used')).toBe(1);
    expect(await audited('fleet.request.refused', 'token-expired')).toBe(1);
    expect(await audited('fleet.request.refused', 'token-invalid')).toBe(1);
  });

  it('lets one of two machines racing with the same token register', async () => {
    const token = await fx.token('pilot');
    const results = await Promise.allSettled([0, 1, 2].map((i) => registerWithFleet(server.url, token, join(fx.dataDir, `race-${i}`), `race-${i}`)));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
  });

  it("refuses a token whose CA fingerprint is not this server's (another fleet, or interception)", async () => {
    const other = await loadOrCreateCa(join(fx.dataDir, 'other-ca'));
    const token = (await fx.token('pilot')).replace(/[0-9a-f]{64}$/, other.fingerprint);
    await expect(registerWithFleet(server.url, token, join(fx.dataDir, 'pinned'), 'pinned')).rejects.toBeInstanceOf(RegistrationError);
  });

  it('refuses a certificate from another CA even with a machine id that exists', async () => {
    const { identity } = await fx.register(server, 'pilot', 'victim');
    const other = await loadOrCreateCa(join(fx.dataDir, 'rogue-ca'));
    const { keyPem, csrPem } = await newKeyAndCsr('rogue');
    const forged = await other.issueClientCert(identity.machineId, new x509.Pkcs10CertificateRequest(csrPem).publicKey, 60_000);
    const http = new FleetHttp({ baseUrl: server.url, tls: { caPem: identity.caPem, certPem: forged.pem, keyPem } });
    const refusal = await refusalOf(http.call('GET', '/v1/policies', PolicyBundle));
    expect(refusal.code).toBe('certificate-required');
    expect(refusal.status).toBe(401);
    http.close();
  });

  it('refuses a revoked machine at once: the next call and its open stream', async () => {
    const { dataDir, identity } = await fx.register(server, 'pilot', 'to-revoke');
    const client = fx.client(dataDir);
    const http = new FleetHttp({ baseUrl: server.url, tls: identity });
    await http.call('GET', '/v1/health', Health);
    const socket = new WebSocket(`${server.url.replace('https', 'wss')}/v1/stream`, { ca: identity.caPem, cert: identity.certPem, key: identity.keyPem });
    await new Promise((ok) => socket.once('message', ok));
    const closed = new Promise<number>((ok) => socket.once('close', (code) => ok(code)));
    expect(await revokeMachine(fx.admin, identity.machineId)).toBe(true);
    expect(await closed).toBe(4003);
    expect((await refusalOf(http.call('GET', '/v1/policies', PolicyBundle))).code).toBe('machine-revoked');
    await expect(client.renew()).rejects.toMatchObject({ code: 'machine-revoked' });
    http.close();
  });

  it('renews the certificate for the registered key, also shortly after it expired', async () => {
    const short = await fx.start({ certLifetimeMs: 1_500 });
    const { dataDir } = await fx.register(short, 'pilot', 'renewer');
    const client = fx.client(dataDir);
    const before = loadIdentity(dataDir)!.certPem;
    await until(() => (Date.now() > new X509Certificate(before).validToDate.getTime() ? true : undefined), 5_000);
    await client.renew();
    const after = loadIdentity(dataDir)!;
    expect(after.certPem).not.toBe(before);
    const http = new FleetHttp({ baseUrl: short.url, tls: after });
    await expect(http.call('GET', '/v1/policies', PolicyBundle)).resolves.toMatchObject({ group: 'pilot' });
    http.close();
  });

  it('closes an open stream when its certificate expires (the handshake was the only check)', async () => {
    const short = await fx.start({ certLifetimeMs: 2_500 });
    const { identity } = await fx.register(short, 'pilot', 'expiring');
    const socket = new WebSocket(`${short.url.replace('https', 'wss')}/v1/stream`, { ca: identity.caPem, cert: identity.certPem, key: identity.keyPem });
    await new Promise((ok, fail) => socket.once('message', ok).once('error', fail));
    const code = await new Promise<number>((ok) => socket.once('close', (c) => ok(c)));
    expect(code).toBe(4001);
    expect(Date.now()).toBeGreaterThanOrEqual(new X509Certificate(identity.certPem).validToDate.getTime());
  });

  it('answers a request without any certificate with certificate-required', async () => {
    const status = await new Promise<number>((ok, fail) => {
      https.get(`${server.url}/v1/policies`, { ca: server.ca.certPem }, (res) => ok(res.statusCode ?? 0)).on('error', fail);
    });
    expect(status).toBe(401);
  });
});

describe('keeper-agent --fleet URL --register', () => {
  it('registers from a token file (no secret in the command line) and explains a refusal', async () => {
    const tokenFile = join(fx.dataDir, 'token.txt');
    writeFileSync(tokenFile, `${await fx.token('pilot')}\n`, { mode: 0o600 });
    const lines: string[] = [];
    const dataDir = join(fx.dataDir, 'cli-agent');
    expect(await runRegisterCommand(['--fleet', server.url, '--register', `@${tokenFile}`, '--data-dir', dataDir], '/nonexistent', (l) => lines.push(l))).toBe(
      0,
    );
    expect(lines[0]).toMatch(/^registered with https:\/\/localhost:\d+ as machine [0-9a-f-]{36} in group pilot$/);
    expect(loadIdentity(dataDir)?.group).toBe('pilot');
    expect(
      await runRegisterCommand(['--fleet', server.url, '--register', `@${tokenFile}`, '--data-dir', join(fx.dataDir, 'cli-2')], '/nonexistent', (l) =>
        lines.push(l),
      ),
    ).toBe(1);
    expect(lines[1]).toContain('already used');
  });
});
