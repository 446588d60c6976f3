/**
 * What a task that starts the agent's own executable needs in its environment to get Node. An agent
 * run by Electron as Node (ELECTRON_RUN_AS_NODE) has the Electron binary as `{NodePath}`, and that
 * binary is Node only with the same switch; a real Node binary needs nothing.
 */
export function runAsNodeEnv(
  executablePath: string,
  runtime: { readonly execPath: string; readonly versions: Readonly<Record<string, string | undefined>> } = process,
): Record<string, string> {
  return runtime.versions.electron !== undefined && executablePath === runtime.execPath ? { ELECTRON_RUN_AS_NODE: '1' } : {};
}
