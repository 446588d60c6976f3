/** Plugin names as they appear in agent.status (Keeper splits the agent into plugins the same way). */
export const Plugins = { store: 'KeeperStore', ipc: 'KeeperIpc', health: 'KeeperHealth', jobs: 'KeeperJobs' } as const;
