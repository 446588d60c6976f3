/**
 * TurboFan again (runtimeSettings.ts turns it off while the agent starts), for what runs often from now
 * on (requests and decisions, or a one-shot command's whole work), which it makes ~15 % faster.
 */
export function optimiseFromNowOn(): void {
  process.getBuiltinModule('node:v8').setFlagsFromString('--opt');
}
