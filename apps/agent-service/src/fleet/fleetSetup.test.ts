import { chmodSync, mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fleetDir, loadFleetState } from './fleetIdentity.ts';
import { FleetSetupError, prepareFleet } from './fleetSetup.ts';

const URL = 'https://fleet.example:8443';

describe.runIf(process.platform !== 'win32')('--fleet on a registered machine', () => {
  let dataDir: string;
  let key: string;

  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'keeper-fleet-setup-'));
    mkdirSync(fleetDir(dataDir), { mode: 0o700 });
    writeFileSync(join(fleetDir(dataDir), 'state.json'), JSON.stringify({ url: URL, machineId: '3b241101-e2bb-4255-8caf-4136c566a962', group: 'eng' }));
    for (const name of ['cert.pem', 'ca.pem']) writeFileSync(join(fleetDir(dataDir), name), 'PEM');
    key = join(fleetDir(dataDir), 'key.pem');
    writeFileSync(key, 'PRIVATE KEY', { mode: 0o600 });
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  it('goes on with a private key of the agent’s own', () => {
    expect(() => prepareFleet(dataDir, URL)).not.toThrow();
  });

  it('refuses a key others could read, and a symlink to a private key, naming the key (exit 2)', () => {
    chmodSync(key, 0o644);
    expect(() => prepareFleet(dataDir, URL)).toThrow(FleetSetupError);
    expect(() => prepareFleet(dataDir, URL)).toThrow(`${key} must belong to the agent's user and be readable by it alone (0600)`);
    chmodSync(key, 0o600);
    renameSync(key, join(dataDir, 'elsewhere.pem'));
    symlinkSync(join(dataDir, 'elsewhere.pem'), key);
    expect(() => prepareFleet(dataDir, URL)).toThrow(FleetSetupError);
  });

  it('reads where the machine registered without its key, for offline approval', () => {
    chmodSync(key, 0o644);
    expect(loadFleetState(dataDir)).toEqual({ url: URL, machineId: '3b241101-e2bb-4255-8caf-4136c566a962', group: 'eng' });
  });
});
