import { createHash, X509Certificate } from 'node:crypto';
import { hostname } from 'node:os';
import * as z from 'zod';
import { RegisterResponse } from '../../../../shared/protocol/src/common/fleet.ts';
import { newKeyAndCsr, saveIdentity, type FleetIdentity } from './fleetIdentity.ts';
import { FleetHttp, FleetUnreachableError } from './fleetHttp.ts';
import { newOfflineKey, saveOfflineKey } from '../approvals/offlineApproval.ts';

/** Read when used, not imported: see fleetHttp.ts. */
const https = () => process.getBuiltinModule('node:https');

const TOKEN = /^kf1\.[A-Za-z0-9_-]{43}\.([0-9a-f]{64})$/;

export class RegistrationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RegistrationError';
  }
}

/**
 * Fetches the fleet CA over an unverified connection and accepts it only if it matches the
 * fingerprint inside the token, so the first contact cannot be intercepted by another server.
 */
async function pinnedCa(url: string, fingerprint: string): Promise<string> {
  const text = await new Promise<string>((resolve, reject) => {
    const req = https().get(`${url.replace(/\/$/, '')}/v1/ca`, { rejectUnauthorized: false, timeout: 10_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', (error) => reject(new FleetUnreachableError(error.message)));
  });
  const caPem = z.object({ caCertificate: z.string() }).parse(JSON.parse(text)).caCertificate;
  const actual = createHash('sha256').update(new X509Certificate(caPem).raw).digest('hex');
  if (actual !== fingerprint) throw new RegistrationError("the server's CA does not match the registration token (wrong server, or an interception attempt)");
  return caPem;
}

/** `keeper-agent --fleet URL --register TOKEN`: make a key pair, register once, keep the identity. */
export async function registerWithFleet(url: string, token: string, dataDir: string, host = hostname()): Promise<FleetIdentity> {
  const pin = TOKEN.exec(token)?.[1];
  if (!pin) throw new RegistrationError('this is not a keeper-fleet registration token');
  const caPem = await pinnedCa(url, pin);
  const { keyPem, csrPem } = await newKeyAndCsr(host);
  const http = new FleetHttp({ baseUrl: url, tls: { caPem } });
  try {
    // The offline-approval key is made here and shared once, over this pinned connection (approvals/offlineApproval.ts).
    const offlineKey = newOfflineKey();
    const registeredName = host.replace(/[^A-Za-z0-9.-]/g, '-').replace(/^[^A-Za-z0-9]/, 'h');
    const answer = await http.call('POST', '/v1/register', RegisterResponse, { token, csr: csrPem, hostname: registeredName, offlineKey });
    const identity: FleetIdentity = { url, machineId: answer.machineId, group: answer.group, keyPem, certPem: answer.certificate, caPem: answer.caCertificate };
    saveIdentity(dataDir, identity);
    saveOfflineKey(dataDir, offlineKey, registeredName);
    return identity;
  } finally {
    http.close();
  }
}
