/**
 * Small checks for the few fields a one-shot CLI reads from the agent (OneShotClient), kept free of
 * zod: evaluating zod/mini and building even a few subset schemas was several milliseconds of a
 * keeper-elevate call's CPU. Each check mirrors one zod/mini rule (apps/run-as/src/elevationMethods.test.ts
 * compares them case by case with zod/mini and the protocol's schemas): it returns the value as zod
 * would (objects without the keys they do not declare) or throws a CheckFailure.
 */
export type Check<T> = (value: unknown, path: string) => T;

export class CheckFailure extends Error {
  constructor(path: string, expected: string) {
    super(`${path || 'the value'}: expected ${expected}`);
    this.name = 'CheckFailure';
  }
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** zod's `string()`, with a `maxLength` and a `refine` when given. */
export const string =
  ({ max = Infinity, refine }: { max?: number; refine?: { test: (value: string) => boolean; name: string } } = {}): Check<string> =>
  (value, path) => {
    if (typeof value !== 'string' || value.length > max) throw new CheckFailure(path, max === Infinity ? 'a string' : `a string of at most ${max} characters`);
    if (refine && !refine.test(value)) throw new CheckFailure(path, refine.name);
    return value;
  };

/** zod's `number()` takes finite numbers only. */
export const number: Check<number> = (value, path) => {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new CheckFailure(path, 'a number');
  return value;
};

export const oneOf =
  <const T extends string | boolean>(options: readonly T[]): Check<T> =>
  (value, path) => {
    if (!options.includes(value as T)) throw new CheckFailure(path, `one of ${options.join(', ')}`);
    return value as T;
  };

export const nullable =
  <T>(check: Check<T>): Check<T | null> =>
  (value, path) =>
    value === null ? null : check(value, path);

/** Checks that take an absent key; zod refuses any other key that is absent. */
const mayBeAbsent = new WeakSet<Check<unknown>>();

export const optional = <T>(check: Check<T>): Check<T | undefined> => {
  const optionalCheck: Check<T | undefined> = (value, path) => (value === undefined ? undefined : check(value, path));
  mayBeAbsent.add(optionalCheck);
  return optionalCheck;
};

/** zod's `record(string(), unknown())`: a plain object, every key kept. */
export const anyRecord: Check<Record<string, unknown>> = (value, path) => {
  if (!isRecord(value)) throw new CheckFailure(path, 'an object');
  return Object.fromEntries(Object.entries(value));
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
