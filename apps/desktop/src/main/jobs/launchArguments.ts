import { LaunchParameters, type LaunchParameterName } from '../../../../../shared/bridge/src/common/services/windowLaunch.ts';
import { WINDOW_LAUNCH_PARAMETERS, type WindowId } from '../../../../../shared/bridge/src/common/windows.ts';

export type LaunchArgumentsResult = { readonly ok: true; readonly parameters: LaunchParameters } | { readonly ok: false; readonly detail: string };

/**
 * A UserDesktop task's arguments for window `id` (`--name value` pairs) as that window's launch
 * parameters. Only the parameters the window takes, each once, within bounds: anything else fails
 * the task with why, so a job author learns it rather than the window guessing.
 */
export function parseLaunchArguments(id: WindowId, args: readonly string[]): LaunchArgumentsResult {
  const known: readonly LaunchParameterName[] = WINDOW_LAUNCH_PARAMETERS[id] ?? [];
  const given: Record<string, string> = {};
  for (let index = 0; index < args.length; index += 2) {
    const flag = args[index]!;
    const name = flag.startsWith('--') ? flag.slice(2) : null;
    if (name === null || !known.includes(name as LaunchParameterName)) {
      return {
        ok: false,
        detail: `${id} takes ${known.length > 0 ? `only ${known.map((k) => `--${k}`).join(', ')}` : 'no parameters'}, not ${JSON.stringify(flag.slice(0, 64))}`,
      };
    }
    if (Object.hasOwn(given, name)) return { ok: false, detail: `--${name} is given twice` };
    const value = args[index + 1];
    if (value === undefined) return { ok: false, detail: `--${name} needs a value` };
    given[name] = value;
  }
  const parsed = LaunchParameters.safeParse(given);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return { ok: false, detail: `--${issue.path.join('.')}: ${issue.message}` };
  }
  return { ok: true, parameters: parsed.data };
}
