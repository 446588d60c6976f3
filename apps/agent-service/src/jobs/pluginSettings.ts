import * as z from 'zod';

/**
 * Plugin settings, as Keeper's configuration policies push them: per plugin (KeeperJobs,
 * KeeperClient, …) named values. Here they come from the agent's config file (`plugins`).
 */
export const PluginSettings = z.record(z.string().min(1), z.record(z.string().min(1), z.union([z.boolean(), z.string(), z.number()]))).default({});
export type PluginSettings = z.infer<typeof PluginSettings>;

/**
 * Whether `Plugin.Setting` is on, for SkipWhenPluginSettingFalse: only a setting that is there and
 * false (false, "false", 0) is off; one nobody configured does not skip the task.
 */
export function pluginSettingOn(settings: PluginSettings, name: string): boolean {
  const dot = name.indexOf('.');
  const value = dot < 0 ? undefined : settings[name.slice(0, dot)]?.[name.slice(dot + 1)];
  if (value === undefined) return true;
  return !(value === false || value === 0 || (typeof value === 'string' && value.trim().toLowerCase() === 'false'));
}
