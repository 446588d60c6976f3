import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { FleetCallError, FleetUnreachableError } from './fleetHttp.ts';
import { registerWithFleet, RegistrationError } from './registration.ts';

/**
 * `keeper-agent --fleet URL --register TOKEN|-|@FILE [--data-dir DIR] [--machine-name NAME]`: registers this machine once and
 * exits. `-` reads the token from stdin and `@FILE` from a file, so the secret need not appear in a
 * command line (a process list shows it); a plain TOKEN works too (it is single-use and expiring).
 */
export async function runRegisterCommand(argv: readonly string[], defaultDataDir: string, out: (line: string) => void): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: false,
      options: { fleet: { type: 'string' }, register: { type: 'string' }, 'data-dir': { type: 'string' }, 'machine-name': { type: 'string' } },
    }));
  } catch (error) {
    out(`keeper-agent: ${(error as Error).message}`);
    return 2;
  }
  const url = typeof values.fleet === 'string' ? values.fleet : undefined;
  const given = typeof values.register === 'string' ? values.register : undefined;
  if (!url || !/^https:\/\//.test(url) || !given) {
    out('keeper-agent: registration needs --fleet https://HOST:PORT and --register TOKEN (or - for stdin, @FILE for a file)');
    return 2;
  }
  const token = (given === '-' ? readFileSync(0, 'utf8') : given.startsWith('@') ? readFileSync(given.slice(1), 'utf8') : given).trim();
  const dataDir = typeof values['data-dir'] === 'string' ? values['data-dir'] : defaultDataDir;
  try {
    const name = typeof values['machine-name'] === 'string' ? values['machine-name'] : undefined;
    const identity = await registerWithFleet(url, token, dataDir, name);
    out(`registered with ${url} as machine ${identity.machineId} in group ${identity.group}`);
    return 0;
  } catch (error) {
    if (error instanceof FleetCallError || error instanceof RegistrationError || error instanceof FleetUnreachableError) {
      out(`keeper-agent: registration failed: ${error.message}`);
      return 1;
    }
    throw error;
  }
}
