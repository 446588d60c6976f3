import { FleetKeyError, loadIdentity } from './fleetIdentity.ts';
import { ensurePolicyFolders } from './policySync.ts';

/** --fleet cannot be honoured (not registered, registered elsewhere, key readable by others): exit 2. */
export class FleetSetupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FleetSetupError';
  }
}

const sameServer = (a: string, b: string) => new URL(a).origin === new URL(b).origin;

/**
 * Checks, before the agent opens anything, that this machine registered with `url` and that its
 * fleet key is private, and makes the (empty) last-good folders on first start. Apart from the
 * fleet's clients (agentFleet.ts), which only an agent with --fleet loads.
 */
export function prepareFleet(dataDir: string, url: string): void {
  let identity;
  try {
    identity = loadIdentity(dataDir);
  } catch (error) {
    if (error instanceof FleetKeyError) throw new FleetSetupError(error.message);
    throw error;
  }
  if (!identity) throw new FleetSetupError(`this machine is not registered with a fleet; run keeper-agent --fleet ${url} --register @TOKEN_FILE first`);
  if (!sameServer(identity.url, url)) throw new FleetSetupError(`this machine is registered with ${identity.url}, not ${url}; register again to move it`);
  ensurePolicyFolders(dataDir);
}
