/** What a start probe reports at the process's exit, on one stderr line. */
export interface StartProbeReport {
  /** The builtins the process loaded. */
  readonly builtins: string[];
  /** zod parsers compiled with `new Function` since the probe ran. */
  readonly compiled: number;
  /** The young generation's size in bytes. */
  readonly newSpace: number;
}

const PROBE_LINE = 'KEEPER-PROBE ';

/**
 * The source of a probe that runs first in an agent process (preloaded with `-r`, or as the script that then
 * imports the bundle: `then`) and reports at exit what the start loaded and compiled.
 */
export function startProbeSource(then = ''): string {
  return `const Real = Function;
let compiled = 0;
globalThis.Function = new Proxy(Real, {
  construct(target, args) {
    if (String(args.at(-1) ?? '').trim() !== '') compiled++;
    return Reflect.construct(target, args);
  },
});
process.on('exit', () => {
  const builtins = process.moduleLoadList.filter((name) => name.startsWith('NativeModule ')).map((name) => name.slice('NativeModule '.length));
  const newSpace = process.getBuiltinModule('node:v8').getHeapSpaceStatistics().find((space) => space.space_name === 'new_space').space_size;
  process.stderr.write(${JSON.stringify(PROBE_LINE)} + JSON.stringify({ builtins, compiled, newSpace }) + '\\n');
});
${then}`;
}

/** The probe's report in a process's stderr, or null when it wrote none. */
export function startProbeReport(stderr: string): StartProbeReport | null {
  const line = stderr.split('\n').find((candidate) => candidate.startsWith(PROBE_LINE));
  return line === undefined ? null : (JSON.parse(line.slice(PROBE_LINE.length)) as StartProbeReport);
}
