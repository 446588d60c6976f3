import 'reflect-metadata';
import { createHash, KeyObject, X509Certificate, type webcrypto } from 'node:crypto';
import { existsSync, linkSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as x509 from '@peculiar/x509';

const EC = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

export interface FleetCa {
  readonly certPem: string;
  /** SHA-256 of the CA certificate's DER, hex: what a registration token pins. */
  readonly fingerprint: string;
  readonly cert: X509Certificate;
  issueClientCert(machineId: string, csrPublicKey: x509.PublicKey, lifetimeMs: number): Promise<{ pem: string; notAfter: Date }>;
  issueServerCert(hostnames: readonly string[]): Promise<{ certPem: string; keyPem: string }>;
}

const pemOfKey = (key: webcrypto.CryptoKey) => KeyObject.from(key).export({ type: 'pkcs8', format: 'pem' }) as string;

export function fingerprintOf(certPem: string): string {
  return createHash('sha256').update(new X509Certificate(certPem).raw).digest('hex');
}

async function generateCa(): Promise<{ certPem: string; keyPem: string }> {
  const keys = await crypto.subtle.generateKey(EC, true, ['sign', 'verify']);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    name: 'CN=Keeper Fleet CA',
    keys,
    signingAlgorithm: EC,
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + 10 * 365 * 86_400_000),
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { certPem: cert.toString('pem'), keyPem: pemOfKey(keys.privateKey) };
}

/**
 * The CA in `dir` (ca.pem + ca.key, 0600), generated on first start. Several instances may start at
 * once on one folder: each writes its candidate to a private name and hard-links it into place, so
 * exactly one wins and the others read the winner's files.
 */
export async function loadOrCreateCa(dir: string, given?: { certFile: string; keyFile: string }): Promise<FleetCa> {
  let certPem: string;
  let keyPem: string;
  if (given) {
    certPem = readFileSync(given.certFile, 'utf8');
    keyPem = readFileSync(given.keyFile, 'utf8');
  } else {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const certFile = join(dir, 'ca.pem');
    const keyFile = join(dir, 'ca.key');
    try {
      certPem = readFileSync(certFile, 'utf8');
      keyPem = readFileSync(keyFile, 'utf8');
    } catch {
      const fresh = await generateCa();
      const tmp = join(dir, `.ca-${process.pid}-${Date.now()}`);
      writeFileSync(`${tmp}.key`, fresh.keyPem, { mode: 0o600 });
      writeFileSync(`${tmp}.pem`, fresh.certPem, { mode: 0o644 });
      let won = false;
      try {
        linkSync(`${tmp}.key`, keyFile);
        won = true;
        linkSync(`${tmp}.pem`, certFile);
      } catch {
        // Another instance linked its key first: its certificate follows, read below.
      }
      rmSync(`${tmp}.key`, { force: true });
      rmSync(`${tmp}.pem`, { force: true });
      if (!won) await waitForFile(certFile);
      certPem = readFileSync(certFile, 'utf8');
      keyPem = readFileSync(keyFile, 'utf8');
    }
  }
  return openCa(certPem, keyPem);
}

async function waitForFile(path: string): Promise<void> {
  for (let i = 0; i < 100 && !existsSync(path); i++) await new Promise((ok) => setTimeout(ok, 20));
}

async function openCa(certPem: string, keyPem: string): Promise<FleetCa> {
  const caCert = new x509.X509Certificate(certPem);
  const signingKey = await crypto.subtle.importKey('pkcs8', x509.PemConverter.decode(keyPem)[0]!, { name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign']);
  const caPublic = caCert.publicKey;
  return {
    certPem,
    fingerprint: fingerprintOf(certPem),
    cert: new X509Certificate(certPem),
    async issueClientCert(machineId, publicKey, lifetimeMs) {
      const notAfter = new Date(Date.now() + lifetimeMs);
      const cert = await x509.X509CertificateGenerator.create({
        subject: `CN=${machineId}`,
        issuer: caCert.subject,
        publicKey,
        signingKey,
        signingAlgorithm: EC,
        notBefore: new Date(Date.now() - 60_000),
        notAfter,
        extensions: [
          new x509.BasicConstraintsExtension(false, undefined, true),
          new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
          new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth]),
          await x509.AuthorityKeyIdentifierExtension.create(caPublic),
          await x509.SubjectKeyIdentifierExtension.create(publicKey),
        ],
      });
      return { pem: cert.toString('pem'), notAfter };
    },
    async issueServerCert(hostnames) {
      const keys = await crypto.subtle.generateKey(EC, true, ['sign', 'verify']);
      const names = hostnames.map((value) => (/^[\d.]+$|:/.test(value) ? { type: 'ip' as const, value } : { type: 'dns' as const, value }));
      const cert = await x509.X509CertificateGenerator.create({
        subject: `CN=${hostnames[0] ?? 'localhost'}`,
        issuer: caCert.subject,
        publicKey: keys.publicKey,
        signingKey,
        signingAlgorithm: EC,
        notBefore: new Date(Date.now() - 60_000),
        notAfter: new Date(Date.now() + 90 * 86_400_000),
        extensions: [
          new x509.BasicConstraintsExtension(false, undefined, true),
          new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
          new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
          new x509.SubjectAlternativeNameExtension(names),
          await x509.AuthorityKeyIdentifierExtension.create(caPublic),
        ],
      });
      return { certPem: cert.toString('pem'), keyPem: pemOfKey(keys.privateKey) };
    },
  };
}

/** A CSR whose signature checks out (proof that the sender holds the key), else null. */
export async function readCsr(pem: string): Promise<x509.Pkcs10CertificateRequest | null> {
  try {
    const csr = new x509.Pkcs10CertificateRequest(pem);
    return (await csr.verify()) ? csr : null;
  } catch {
    return null;
  }
}

export async function publicKeySha256(publicKey: x509.PublicKey): Promise<string> {
  return Buffer.from(await publicKey.getThumbprint('SHA-256')).toString('hex');
}
