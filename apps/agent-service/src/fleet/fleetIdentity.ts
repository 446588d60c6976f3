import { createPrivateKey, createPublicKey, KeyObject } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as z from 'zod';
import { readPrivateFile } from '../store/ownFile.ts';

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

/** The fleet key is not the agent's own private file: --fleet cannot be honoured (fleetSetup.ts). */
export class FleetKeyError extends Error {}

/** A PEM P-256 key is about 240 bytes: anything near this is not one. */
const MAX_KEY_FILE_BYTES = 16 * 1024;

/**
 * The machine's fleet key, opened once without following a symlink or waiting on a FIFO, and checked on that
 * descriptor (readPrivateFile): a regular file of the agent's user that nobody else can read or write.
 */
function readFleetKey(path: string): string {
  const read = readPrivateFile(path, MAX_KEY_FILE_BYTES);
  if (read.ok) return read.bytes.toString('utf8');
  if (read.problem === 'unopenable' && read.error.code !== 'ELOOP') throw read.error;
  throw new FleetKeyError(`${path} must belong to the agent's user and be readable by it alone (0600)`);
}

/** Where and as what this machine registered, or null when it is not registered; no key is read. */
export function loadFleetState(dataDir: string): FleetState | null {
  const path = join(fleetDir(dataDir), 'state.json');
  if (!existsSync(path)) return null;
  return FleetState.parse(JSON.parse(readFileSync(path, 'utf8')));
}

/** The identity registration left, or null when this machine is not registered. */
export function loadIdentity(dataDir: string): FleetIdentity | null {
  const dir = fleetDir(dataDir);
  const state = loadFleetState(dataDir);
  if (!state) return null;
  return {
    ...state,
    keyPem: readFleetKey(join(dir, 'key.pem')),
    certPem: readFileSync(join(dir, 'cert.pem'), 'utf8'),
    caPem: readFileSync(join(dir, 'ca.pem'), 'utf8'),
  };
}
