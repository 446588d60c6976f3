import { spawnSync } from 'node:child_process';
import { chmodSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fleetDir } from '../../apps/agent-service/src/fleet/fleetIdentity.ts';
import { systemUser } from '../support/requesterProcess.ts';
import { createFleetFixture, type FleetFixture } from '../fleet/support/fleetHarness.ts';

/**
 * The machine's fleet key (its identity: whoever holds it is this machine to the fleet) and the
 * server's CA key are readable by their service only. The attacker is a real second OS user
 * (`nobody`) on the same machine, with every folder above them opened to it on purpose.
 */
let fx: FleetFixture;
let agentDir: string;

beforeAll(async () => {
  fx = await createFleetFixture();
  const server = await fx.start();
  agentDir = (await fx.register(server, 'pilot', 'host-keys')).dataDir;
  for (const dir of [fx.dataDir, agentDir]) chmodSync(dir, 0o755);
});
afterAll(() => fx.drop());

function readAs(user: string, path: string): { status: number | null; stderr: string } {
  const { uid, gid } = systemUser(user);
  const result = spawnSync('/bin/cat', [path], { uid, gid, encoding: 'utf8' });
  return { status: result.status, stderr: result.stderr };
}

describe('fleet secrets against another local user', () => {
  it("nobody cannot read the machine key, the CA key or the machine certificate's folder", () => {
    for (const path of [join(fleetDir(agentDir), 'key.pem'), join(fx.dataDir, 'server', 'ca.key'), join(fleetDir(agentDir), 'cert.pem')]) {
      const attempt = readAs('nobody', path);
      expect(attempt.status, path).not.toBe(0);
      expect(attempt.stderr, path).toContain('Permission denied');
    }
  });
});
