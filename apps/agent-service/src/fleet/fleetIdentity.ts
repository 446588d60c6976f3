import { createPrivateKey, createPublicKey, KeyObject } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as z from 'zod';

const EC = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

/** What registration leaves in `<data dir>/fleet`: the key never leaves the machine (0600). */
export const FleetState = z.object({ url: z.url(), machineId: z.uuid(), group: z.string() });
export type FleetState = z.infer<typeof FleetState>;

export interface FleetIdentity extends FleetState {
  readonly keyPem: string;
  readonly certPem: string;
  readonly caPem: string;
}

export const fleetDir = (dataDir: string) => join(dataDir, 'fleet');

/** Writes a file whole or not at all (a crash leaves the old one), with the given mode. */
export function writeAtomic(path: string, content: string, mode: number): void {
  const tmp = `${path}.${process.pid}.tmp`;
  // A leftover from a crash would keep its old mode: start from a fresh file.
  rmSync(tmp, { force: true });
  writeFileSync(tmp, content, { mode, flag: 'wx' });
  renameSync(tmp, path);
}

/**
 * @peculiar/x509 (with the reflect-metadata it needs), loaded only when a CSR is made (registration,
 * renewal): a few MB of heap and ~30 ms that an agent without a fleet, and every agent's start, skip.
 */
async function loadX509(): Promise<typeof import('@peculiar/x509')> {
  await import('reflect-metadata');
  return import('@peculiar/x509');
}

export async function newKeyAndCsr(subject: string): Promise<{ keyPem: string; csrPem: string }> {
  const keys = await crypto.subtle.generateKey(EC, true, ['sign', 'verify']);
  const csr = await (await loadX509()).Pkcs10CertificateRequestGenerator.create({ name: `CN=${subject}`, keys, signingAlgorithm: EC });
  return { keyPem: KeyObject.from(keys.privateKey).export({ type: 'pkcs8', format: 'pem' }) as string, csrPem: csr.toString('pem') };
}

/** A CSR for the key this machine already holds (certificate renewal keeps the key). */
export async function csrForKey(keyPem: string, subject: string): Promise<string> {
  const privateKey = createPrivateKey(keyPem);
  const publicKey = createPublicKey(privateKey);
  const keys = {
    privateKey: await crypto.subtle.importKey('pkcs8', privateKey.export({ type: 'pkcs8', format: 'der' }), { name: 'ECDSA', namedCurve: 'P-256' }, false, [
      'sign',
    ]),
    publicKey: await crypto.subtle.importKey('spki', publicKey.export({ type: 'spki', format: 'der' }), { name: 'ECDSA', namedCurve: 'P-256' }, true, [
      'verify',
    ]),
  };
  const csr = await (await loadX509()).Pkcs10CertificateRequestGenerator.create({ name: `CN=${subject}`, keys, signingAlgorithm: EC });
  return csr.toString('pem');
}

export function saveIdentity(dataDir: string, identity: FleetIdentity): void {
  const dir = fleetDir(dataDir);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  writeAtomic(join(dir, 'key.pem'), identity.keyPem, 0o600);
  writeAtomic(join(dir, 'cert.pem'), identity.certPem, 0o600);
  writeAtomic(join(dir, 'ca.pem'), identity.caPem, 0o644);
  writeAtomic(join(dir, 'state.json'), JSON.stringify({ url: identity.url, machineId: identity.machineId, group: identity.group }), 0o600);
}

export function saveCertificate(dataDir: string, certPem: string): void {
  writeAtomic(join(fleetDir(dataDir), 'cert.pem'), certPem, 0o600);
}

/** The identity registration left, or null when this machine is not registered. */
export function loadIdentity(dataDir: string): FleetIdentity | null {
  const dir = fleetDir(dataDir);
  if (!existsSync(join(dir, 'state.json'))) return null;
  const state = FleetState.parse(JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8')));
  return {
    ...state,
    keyPem: readFileSync(join(dir, 'key.pem'), 'utf8'),
    certPem: readFileSync(join(dir, 'cert.pem'), 'utf8'),
    caPem: readFileSync(join(dir, 'ca.pem'), 'utf8'),
  };
}
