import { parseArgs } from 'node:util';
import { AuditLog } from '../audit/auditLog.ts';
import { defaultDataDir } from '../cli/options.ts';
import { passwdEntryOf } from '../identity/accounts.ts';
import { systemClock } from '../time/clock.ts';
import { openAgentDatabase } from '../store/database.ts';
import { DEFAULT_ENROLLMENT_CODE_HOURS } from './enrollmentCodes.ts';
import { MfaService } from './mfaService.ts';

export const MFA_HELP = `Usage: keeper-agent mfa issue --user NAME [--data-dir DIR] [--valid-hours N]

Issues a one-time MFA enrollment code for NAME and prints it once. A user's first MFA setup needs
it: give it to the person in a way only they receive it. Issuing again replaces the previous code. Only its hash is stored, in the agent's database, so run
this as the agent's user (root) on the agent's data dir.

  --user NAME          the account that may enroll
  --data-dir DIR       the agent's data dir (default: /var/lib/keeper-agent as root)
  --valid-hours N      how long the code may be used (default: ${DEFAULT_ENROLLMENT_CODE_HOURS})
`;

/** `keeper-agent mfa issue …`: exit 0 with the code on stdout, 2 for a usage mistake or unknown user, 1 on failure. */
export async function runMfaCommand(argv: readonly string[]): Promise<number> {
  let values;
  let positionals;
  try {
    ({ values, positionals } = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: { user: { type: 'string' }, 'data-dir': { type: 'string' }, 'valid-hours': { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    }));
  } catch (error) {
    process.stderr.write(`keeper-agent mfa: ${(error as Error).message}\n${MFA_HELP}`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(MFA_HELP);
    return 0;
  }
  const hours = values['valid-hours'] === undefined ? DEFAULT_ENROLLMENT_CODE_HOURS : Number(values['valid-hours']);
  if (positionals.join(' ') !== 'issue' || !values.user || !(hours > 0 && hours <= 24 * 30)) {
    process.stderr.write(MFA_HELP);
    return 2;
  }
  const entry = await passwdEntryOf(values.user);
  if (!entry) {
    process.stderr.write(`keeper-agent mfa: no user named ${values.user}\n`);
    return 2;
  }
  const dataDir = values['data-dir'] ?? defaultDataDir({ env: process.env, isRoot: process.getuid?.() === 0 });
  let db;
  try {
    db = openAgentDatabase(dataDir);
  } catch (error) {
    process.stderr.write(`keeper-agent mfa: cannot open the agent's database in ${dataDir}: ${(error as Error).message}\n`);
    return 1;
  }
  try {
    const mfa = new MfaService({ db, dataDir, clock: systemClock, audit: new AuditLog({ db }) });
    const issued = await mfa.issueEnrollmentCode(entry.uid, process.getuid?.() ?? null, hours * 3_600_000);
    process.stdout.write(
      `MFA enrollment code for ${entry.name}: ${issued.code}\nValid until ${issued.expiresAt}, once. Enter it in the MFA window when it asks to set up the authenticator app.\n`,
    );
    return 0;
  } finally {
    db.close();
  }
}
