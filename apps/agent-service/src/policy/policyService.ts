import { untrustedFolder } from '../config/jsonFolder.ts';
import type { Logger } from '../log/logger.ts';
import type { StatusService } from '../status/statusService.ts';
import { PolicySet } from './evaluate.ts';
import { FileHashCache, type KnownHash } from './fileHashCache.ts';
import { readKnownHashes, sameKnownHashes, writeKnownHashes } from './fileHashStore.ts';
import { loadPolicyDirectory, watchPolicyDirectory } from './policyLoader.ts';

export const POLICY_PLUGIN = 'KeeperPolicy';

export interface PolicyServiceOptions {
  /** The policy folder. */
  readonly dir: string;
  readonly status: StatusService;
  readonly log: Logger;
  readonly now: () => Date;
  /**
   * A file (the agent passes one in its data folder) that keeps the named files' hashes across
   * restarts: a start then reads only the files that changed since (the shipped lists name programs of
   * ~100 MB, such as /usr/bin/node, which took most of the agent's start to hash).
   */
  readonly hashStore?: string;
}

/**
 * Owns the policies in effect: loads the folder at start and again on every change, swapping the
 * compiled set in one step so a decision never sees half a reload. Load problems go to the log and
 * to agent.status (plugin state and the error list). A folder others can write to is refused: the
 * agent checks it before it starts; on reload the last good set stays in effect and the refusal is reported.
 */
export class PolicyService {
  private current: PolicySet;
  private watcher: { close(): void };
  private readonly dir: string;
  private readonly status: StatusService;
  private readonly log: Logger;
  private readonly now: () => Date;
  /** Hashes of the files DENY policies name, kept across reloads (a reload re-reads only changed files). */
  private readonly hashes: FileHashCache;
  /** Where the hashes are kept for the next start (readKnownHashes), if anywhere. */
  private readonly hashStore: string | undefined;
  private storedVersion = -1;
  /** What the hash store holds: what the agent read from it at start, then what it last wrote. */
  private stored: ReadonlyMap<string, KnownHash> = new Map();

  constructor({ dir, status, log, now, hashStore }: PolicyServiceOptions) {
    this.dir = dir;
    this.status = status;
    this.log = log;
    this.now = now;
    this.hashStore = hashStore;
    if (hashStore) this.stored = readKnownHashes(hashStore);
    this.hashes = new FileHashCache({ earlier: this.stored });
    status.setPlugin(POLICY_PLUGIN, 'Starting');
    this.current = this.load();
    this.watcher = watchPolicyDirectory(dir, () => {
      this.current = this.reload();
    });
  }

  get policies(): PolicySet {
    return this.current;
  }

  close(): void {
    this.watcher.close();
  }

  /** The folder was replaced as a whole (a fleet policy set swapped in by rename): watch the new one and load it. */
  refresh(): void {
    this.watcher.close();
    this.watcher = watchPolicyDirectory(this.dir, () => {
      this.current = this.reload();
    });
    this.current = this.reload();
  }

  /** A reload of a folder that became writable by others keeps the policies in effect. */
  private reload(): PolicySet {
    const refused = untrustedFolder(this.dir, 'policies');
    if (!refused) return this.load();
    this.log.error({ file: refused.file }, refused.message);
    this.status.setPlugin(POLICY_PLUGIN, 'Unhealthy', 'the policies folder is refused; the last good policies stay in effect');
    const previous = this.status.snapshot().policies;
    this.status.setPolicies({ ...previous, errors: [refused], loadedAt: this.now().toISOString() });
    return this.current;
  }

  private storeHashes(): void {
    if (!this.hashStore || this.hashes.version === this.storedVersion) return;
    try {
      const known = this.hashes.known();
      // A start whose named files did not change since the last run would write the same file again.
      if (!sameKnownHashes(known, this.stored)) {
        writeKnownHashes(this.hashStore, known);
        this.stored = new Map(known);
      }
      this.storedVersion = this.hashes.version;
    } catch (error) {
      // Only the next start's speed depends on it.
      this.log.warn({ err: (error as Error).message }, 'could not keep the policy file hashes for the next start');
    }
  }

  private load(): PolicySet {
    const load = loadPolicyDirectory(this.dir);
    const set = new PolicySet(load.policies, load.collections, process.platform, { hashes: this.hashes });
    const unknown = set.unknownCollections(load.policies);
    for (const error of load.errors) this.log.error({ file: error.file, path: error.path }, `policy file rejected: ${error.message}`);
    if (unknown.length > 0) this.log.warn({ collections: unknown }, 'policies name collections that no file defines');
    this.status.setPolicies({
      active: set.size,
      collections: load.collections.length,
      files: load.files,
      errors: [...load.errors],
      loadedAt: this.now().toISOString(),
    });
    const problems = load.errors.length;
    this.status.setPlugin(
      POLICY_PLUGIN,
      problems === 0 ? 'Healthy' : 'Unhealthy',
      problems === 0 ? undefined : `${problems} problem${problems === 1 ? '' : 's'} in policy files`,
    );
    this.log.info({ policies: set.size, files: load.files, errors: problems }, 'policies loaded');
    this.storeHashes();
    return set;
  }
}
