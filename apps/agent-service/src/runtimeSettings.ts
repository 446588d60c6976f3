// main.ts's first import, so that it runs before any other module of the agent is evaluated.
import { config as zodConfig } from 'zod';

// zod compiles a fast path (`new Function`) for each object schema at its first parse, and at start the
// agent parses almost every schema once (options, config, policies, jobs, stores): ~25 ms of each start,
// for requests whose small parameters parse in microseconds either way. Read when a schema is built.
zodConfig({ jitless: true });

/**
 * The young generation stays at its first 1 MB semi-spaces instead of growing to 8-16 MB during the start:
 * about 5 MB less resident for as long as the agent runs, for a dozen more scavenges while it starts. The
 * installed service runs the bundle itself (no node flags on its command line), so the agent sets it.
 * No TurboFan while the agent starts (--no-opt; Maglev, the mid-tier compiler, stays): it optimised code that
 * runs only at the start in about one start of three, making ~5 MB of the Node binary (its own code) resident
 * for as long as the agent runs. V8 reads both flags when it decides, so setting them here is in time;
 * runtime/optimiseFromNowOn.ts turns TurboFan on again once the agent serves, or for a one-shot command.
 * Flags belong to the process, not to the heap: the startup snapshot's main sets them again in the real one.
 */
export function applyStartFlags(): void {
  process.getBuiltinModule('node:v8').setFlagsFromString('--semi-space-growth-factor=1 --no-opt');
}

applyStartFlags();
