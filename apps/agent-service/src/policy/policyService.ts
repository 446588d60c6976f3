import type { Logger } from '../log/logger.ts';
import type { StatusService } from '../status/statusService.ts';
import { PolicySet } from './evaluate.ts';
import { loadPolicyDirectory, watchPolicyDirectory } from './policyLoader.ts';

export const POLICY_PLUGIN = 'KeeperPolicy';

/**
 * Owns the policies in effect: loads the folder at start and again on every change, swapping the
 * compiled set in one step so a decision never sees half a reload. Load problems go to the log and
 * to agent.status (plugin state and the error list).
 */
export class PolicyService {
  private current: PolicySet;
  private readonly watcher: { close(): void };
  private readonly dir: string;
  private readonly status: StatusService;
  private readonly log: Logger;
  private readonly now: () => Date;

  constructor(dir: string, status: StatusService, log: Logger, now: () => Date) {
    this.dir = dir;
    this.status = status;
    this.log = log;
    this.now = now;
    status.setPlugin(POLICY_PLUGIN, 'Starting');
    this.current = this.load();
    this.watcher = watchPolicyDirectory(dir, () => {
      this.current = this.load();
    });
  }

  get policies(): PolicySet {
    return this.current;
  }

  close(): void {
    this.watcher.close();
  }

  private load(): PolicySet {
    const load = loadPolicyDirectory(this.dir);
    const set = new PolicySet(load.policies, load.collections, process.platform);
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
    return set;
  }
}
