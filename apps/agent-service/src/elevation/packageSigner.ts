import { DescriptorDigests, type SignerSubject } from './packageSignerDigest.ts';
import { DPKG_ADMIN_DIR, DpkgSigner } from './packageSignerDpkg.ts';
import { RpmSigner } from './packageSignerRpm.ts';
import type { SignerLog } from './packageSignerTrust.ts';

/** Paths whose two owners were already reported, so a request repeated does not log again. */
const MAX_REPORTED_CONFLICTS = 256;

export interface PackageSignerOptions {
  /** dpkg's admin folder (default /var/lib/dpkg). */
  readonly adminDir?: string;
  /** rpm's database folder, like `rpm --dbpath` (default: the first of /var/lib/rpm and /usr/lib/sysimage/rpm that holds rpmdb.sqlite). */
  readonly rpmDbPath?: string;
  /** How often at most each database is looked at again (default 1 s). */
  readonly recheckMs?: number;
  /** Where a refused database and a file two databases claim are reported: the agent's `signer` logger. */
  readonly log: SignerLog;
}

/**
 * The Signer of a file on Linux: the package that installed it, by dpkg's database where there is
 * one and by rpm's where there is one, but only while the file's digest is the one the package
 * manager recorded for it (docs/policy-semantics.md, 3.2). Each database is read only when present.
 * When both name an owner and the names differ, the file has no signer: two package managers claim
 * it, and neither is believed over the other.
 */
export class PackageSigner {
  private readonly dpkg: DpkgSigner;
  private readonly rpm: RpmSigner;
  private readonly log: SignerLog;
  private readonly reported = new Set<string>();

  constructor(options: PackageSignerOptions) {
    const recheckMs = options.recheckMs ?? 1_000;
    const digests = new DescriptorDigests();
    this.log = options.log;
    this.dpkg = new DpkgSigner({ adminDir: options.adminDir ?? DPKG_ADMIN_DIR, recheckMs, digests, log: this.log });
    this.rpm = new RpmSigner({ dbPath: options.rpmDbPath, recheckMs, digests, log: this.log });
  }

  /**
   * The package name (dpkg's without `:arch`) for the file open at `fd`, whose canonical path is
   * `path` and whose SHA-256 the agent computed; null when no package owns that path with these bytes.
   */
  async signerOf(program: SignerSubject): Promise<string | null> {
    const [deb, rpm] = await Promise.all([this.dpkg.signerOf(program), this.rpm.signerOf(program)]);
    if (deb !== null && rpm !== null && deb !== rpm) {
      if (!this.reported.has(program.path) && this.reported.size < MAX_REPORTED_CONFLICTS) {
        this.reported.add(program.path);
        this.log.warn({ path: program.path, dpkg: deb, rpm }, 'dpkg and rpm both installed this file under different package names; it has no signer');
      }
      return null;
    }
    return deb ?? rpm;
  }
}
