import { join } from 'node:path';
import { childLogger, type Logger } from '../log/logger.ts';
import type { AgentFeature } from '../runtime/agentFeature.ts';
import type { StatusService } from '../status/statusService.ts';
import type { Clock } from '../time/clock.ts';
import { PolicyService } from './policyService.ts';

export interface PoliciesFeature extends AgentFeature {
  readonly policies: PolicyService;
}

/** The policies folder, loaded and watched; its questions (`policy.*`) are served with the elevation feature, which hashes programs. */
export function createPolicies({
  dir,
  dataDir,
  status,
  clock,
  log,
}: {
  dir: string;
  dataDir: string;
  status: StatusService;
  clock: Clock;
  log: Logger;
}): PoliciesFeature {
  const policies = new PolicyService({
    dir,
    status,
    log: childLogger(log, 'policies'),
    now: () => clock.now(),
    hashStore: join(dataDir, 'policy-file-hashes.json'),
  });
  return { name: 'policies', handlers: [], policies, dispose: () => policies.close() };
}
