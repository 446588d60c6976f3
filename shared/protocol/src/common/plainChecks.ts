/**
 * Small checks for the few values a client reads where zod costs more than the client's own code: a
 * prompt window (shared/bridge/src/renderer/promptChecks.ts) and the one-shot CLIs
 * (apps/run-as/src/elevationMethods.ts, OneShotClient). Each check mirrors one zod rule exactly (the
 * callers' tests compare them case by case with the zod schemas): it returns the value as zod would
 * (objects without the keys they do not declare) or throws a CheckFailure.
 */
export type Check<T> = (value: unknown, path: string) => T;

export class CheckFailure extends Error {
  constructor(path: string, expected: string) {
    super(`${path || 'the value'}: expected ${expected}`);
    this.name = 'CheckFailure';
  }
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** zod's `string()`, with its length bounds and a `refine` when given. */
export const string =
  ({ min = 0, max = Infinity, refine }: { min?: number; max?: number; refine?: { test: (value: string) => boolean; name: string } } = {}): Check<string> =>
  (value, path) => {
    if (typeof value !== 'string' || value.length < min || value.length > max) {
      throw new CheckFailure(path, min === 0 && max === Infinity ? 'a string' : `a string of ${min} to ${max} characters`);
    }
    if (refine && !refine.test(value)) throw new CheckFailure(path, refine.name);
    return value;
  };

/** zod's `number()` takes finite numbers only; its `int()` takes safe integers only. */
export const number =
  ({ int = false, min = -Infinity, max = Infinity, positive = false }: { int?: boolean; min?: number; max?: number; positive?: boolean } = {}): Check<number> =>
  (value, path) => {
    const ok =
      typeof value === 'number' && Number.isFinite(value) && (!int || Number.isSafeInteger(value)) && value >= min && value <= max && (!positive || value > 0);
    if (!ok) throw new CheckFailure(path, `a${int ? 'n integer' : ' number'} from ${min} to ${max}${positive ? ', above 0' : ''}`);
    return value;
  };

export const boolean: Check<boolean> = (value, path) => {
  if (typeof value !== 'boolean') throw new CheckFailure(path, 'true or false');
  return value;
};

export const oneOf =
  <const T extends string | boolean>(options: readonly T[]): Check<T> =>
  (value, path) => {
    if (!options.includes(value as T)) throw new CheckFailure(path, `one of ${options.join(', ')}`);
    return value as T;
  };

/**
 * zod's `iso.datetime()`: a real date, UTC (`Z`), seconds required, any fraction. zod's own pattern,
 * copied because importing it puts zod's shared chunk on the page; the test holds the two equal.
 */
export const DATETIME =
  /^(?:(?:\d\d[2468][048]|\d\d[13579][26]|\d\d0[48]|[02468][048]00|[13579][26]00)-02-29|\d{4}-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12]\d|3[01])|(?:0[469]|11)-(?:0[1-9]|[12]\d|30)|(?:02)-(?:0[1-9]|1\d|2[0-8])))T(?:(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d(?:\.\d+)?(?:Z))$/;
export const isoDateTime: Check<string> = (value, path) => {
  if (typeof value !== 'string' || !DATETIME.test(value)) throw new CheckFailure(path, 'an ISO date and time in UTC');
  return value;
};

export const nullable =
  <T>(check: Check<T>): Check<T | null> =>
  (value, path) =>
    value === null ? null : check(value, path);

/** Checks that take an absent key; zod refuses any other key that is absent, even one of `unknown()`. */
const mayBeAbsent = new WeakSet<Check<unknown>>();

export const optional = <T>(check: Check<T>): Check<T | undefined> => {
  const optionalCheck: Check<T | undefined> = (value, path) => (value === undefined ? undefined : check(value, path));
  mayBeAbsent.add(optionalCheck);
  return optionalCheck;
};

/** zod's `.catch(fallback)`: whatever fails reads as the fallback. */
export const orElse = <T, F>(check: Check<T>, fallback: F): Check<T | F> => {
  const caught: Check<T | F> = (value, path) => {
    try {
      return check(value, path);
    } catch (error) {
      if (error instanceof CheckFailure) return fallback;
      throw error;
    }
  };
  mayBeAbsent.add(caught);
  return caught;
};

/** zod's `record(string(), unknown())`: a plain object, every key kept. */
export const anyRecord: Check<Record<string, unknown>> = (value, path) => {
  if (!isRecord(value)) throw new CheckFailure(path, 'an object');
  return Object.fromEntries(Object.entries(value));
};

export const array =
  <T>(check: Check<T>): Check<T[]> =>
  (value, path) => {
    if (!Array.isArray(value)) throw new CheckFailure(path, 'a list');
    // By index, not map(): map skips the holes of a sparse list (structured clone keeps them), which zod refuses.
    const out: T[] = [];
    for (let index = 0; index < value.length; index++) out.push(check(value[index], `${path}[${index}]`));
    return out;
  };

export type Shape = Record<string, Check<unknown>>;
/** As zod's output: a key whose check takes undefined is optional. */
export type Checked<S extends Shape> = {
  [K in keyof S as undefined extends ReturnType<S[K]> ? never : K]: ReturnType<S[K]>;
} & { [K in keyof S as undefined extends ReturnType<S[K]> ? K : never]?: ReturnType<S[K]> };

/** zod's `object(shape)`: a plain object; keys it does not declare are dropped, as zod drops them. */
export const object =
  <S extends Shape>(shape: S): Check<Checked<S>> =>
  (value, path) => {
    if (!isRecord(value)) throw new CheckFailure(path, 'an object');
    const out: Record<string, unknown> = {};
    for (const [key, check] of Object.entries(shape)) {
      const where = path ? `${path}.${key}` : key;
      const present = Object.hasOwn(value, key);
      if (!present && !mayBeAbsent.has(check)) throw new CheckFailure(where, 'a value');
      const checked = check(value[key], where);
      // An optional key that is absent stays absent.
      if (present) out[key] = checked;
    }
    return out as Checked<S>;
  };

/** zod's `discriminatedUnion(key, …)`: the object's `key` picks the shape that checks the rest. */
export const tagged =
  <K extends string>(key: K, shapes: Record<string, Shape>): Check<Record<string, unknown>> =>
  (value, path) => {
    const tag = isRecord(value) ? value[key] : undefined;
    const shape = typeof tag === 'string' && Object.hasOwn(shapes, tag) ? shapes[tag] : undefined;
    if (!shape) throw new CheckFailure(path ? `${path}.${key}` : key, `one of ${Object.keys(shapes).join(', ')}`);
    return { ...object(shape)(value, path), [key]: tag };
  };
