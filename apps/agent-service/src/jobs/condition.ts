/**
 * The `condition` of a job or task: a small expression over the run context, parsed and evaluated
 * here without `eval` (the files come from administrators, but a condition must never run code).
 *
 *   expr    := or
 *   or      := and (("||" | "or") and)*
 *   and     := not (("&&" | "and") not)*
 *   not     := ("!" | "not") not | compare
 *   compare := value (("==" | "!=" | "<" | "<=" | ">" | ">=" | "contains" | "in" | "matches") value)?
 *   value   := "(" expr ")" | "[" (value ("," value)*)? "]" | 'text' | "text" | number | true | false | null | Name(.Name)*
 *
 * A name is looked up in the context (dots reach into objects); a missing name is null. An empty
 * condition is true.
 */

type Value = string | number | boolean | null | readonly Value[] | { readonly [key: string]: unknown };

type Node =
  | { readonly kind: 'literal'; readonly value: Value }
  | { readonly kind: 'name'; readonly path: readonly string[] }
  | { readonly kind: 'list'; readonly items: readonly Node[] }
  | { readonly kind: 'not'; readonly operand: Node }
  | { readonly kind: 'logic'; readonly op: 'and' | 'or'; readonly left: Node; readonly right: Node }
  | { readonly kind: 'compare'; readonly op: CompareOp; readonly left: Node; readonly right: Node };

const COMPARE_OPS = ['==', '!=', '<=', '>=', '<', '>', 'contains', 'in', 'matches'] as const;
type CompareOp = (typeof COMPARE_OPS)[number];

interface Token {
  readonly type: 'op' | 'string' | 'number' | 'word' | 'punct';
  readonly text: string;
  readonly at: number;
}

export class ConditionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConditionError';
  }
}

const MAX_LENGTH = 2000;

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const ch = source[i]!;
    if (/\s/.test(ch)) {
      i++;
    } else if (ch === '"' || ch === "'") {
      let text = '';
      let j = i + 1;
      for (; j < source.length && source[j] !== ch; j++) {
        if (source[j] === '\\' && j + 1 < source.length) j++;
        text += source[j];
      }
      if (j >= source.length) throw new ConditionError(`unterminated ${ch} quote at character ${i + 1}`);
      tokens.push({ type: 'string', text, at: i });
      i = j + 1;
    } else if (/[0-9]/.test(ch) || (ch === '-' && /[0-9]/.test(source[i + 1] ?? ''))) {
      const match = /^-?\d+(\.\d+)?/.exec(source.slice(i))!;
      tokens.push({ type: 'number', text: match[0], at: i });
      i += match[0].length;
    } else if (/[A-Za-z_]/.test(ch)) {
      const match = /^[A-Za-z_][\w]*(\.[A-Za-z_][\w]*)*/.exec(source.slice(i))!;
      tokens.push({ type: 'word', text: match[0], at: i });
      i += match[0].length;
    } else {
      const two = source.slice(i, i + 2);
      if (['==', '!=', '<=', '>=', '&&', '||'].includes(two)) {
        tokens.push({ type: 'op', text: two, at: i });
        i += 2;
      } else if ('<>!'.includes(ch)) {
        tokens.push({ type: 'op', text: ch, at: i });
        i++;
      } else if ('()[],'.includes(ch)) {
        tokens.push({ type: 'punct', text: ch, at: i });
        i++;
      } else {
        throw new ConditionError(`unexpected character ${JSON.stringify(ch)} at character ${i + 1}`);
      }
    }
  }
  return tokens;
}

class Parser {
  private readonly tokens: Token[];
  private index = 0;

  constructor(tokens: Token[]) {
    this.tokens = tokens;
  }

  parse(): Node {
    const node = this.or();
    const rest = this.tokens[this.index];
    if (rest) throw new ConditionError(`unexpected ${JSON.stringify(rest.text)} at character ${rest.at + 1}`);
    return node;
  }

  private peek(...texts: string[]): boolean {
    const token = this.tokens[this.index];
    return token !== undefined && token.type !== 'string' && texts.includes(token.text);
  }

  private take(): Token {
    const token = this.tokens[this.index++];
    if (!token) throw new ConditionError('the condition ends too early');
    return token;
  }

  private expect(text: string): void {
    const token = this.take();
    if (token.type === 'string' || token.text !== text) throw new ConditionError(`expected ${text} at character ${token.at + 1}`);
  }

  private or(): Node {
    let left = this.and();
    while (this.peek('||', 'or')) {
      this.index++;
      left = { kind: 'logic', op: 'or', left, right: this.and() };
    }
    return left;
  }

  private and(): Node {
    let left = this.not();
    while (this.peek('&&', 'and')) {
      this.index++;
      left = { kind: 'logic', op: 'and', left, right: this.not() };
    }
    return left;
  }

  private not(): Node {
    if (this.peek('!', 'not')) {
      this.index++;
      return { kind: 'not', operand: this.not() };
    }
    const left = this.value();
    const op = COMPARE_OPS.find((candidate) => this.peek(candidate));
    if (!op) return left;
    this.index++;
    return { kind: 'compare', op, left, right: this.value() };
  }

  private value(): Node {
    const token = this.take();
    if (token.type === 'string') return { kind: 'literal', value: token.text };
    if (token.type === 'number') return { kind: 'literal', value: Number(token.text) };
    if (token.type === 'punct' && token.text === '(') {
      const inner = this.or();
      this.expect(')');
      return inner;
    }
    if (token.type === 'punct' && token.text === '[') {
      const items: Node[] = [];
      if (!this.peek(']')) {
        items.push(this.value());
        while (this.peek(',')) {
          this.index++;
          items.push(this.value());
        }
      }
      this.expect(']');
      return { kind: 'list', items };
    }
    if (token.type === 'word') {
      if (token.text === 'true' || token.text === 'false') return { kind: 'literal', value: token.text === 'true' };
      if (token.text === 'null') return { kind: 'literal', value: null };
      if ((COMPARE_OPS as readonly string[]).includes(token.text) || ['and', 'or', 'not'].includes(token.text)) {
        throw new ConditionError(`expected a value at character ${token.at + 1}, found ${token.text}`);
      }
      return { kind: 'name', path: token.text.split('.') };
    }
    throw new ConditionError(`expected a value at character ${token.at + 1}, found ${JSON.stringify(token.text)}`);
  }
}

/** Parses a condition; throws a ConditionError naming the position of the first problem. */
export function parseCondition(source: string): Node | null {
  if (source.length > MAX_LENGTH) throw new ConditionError(`a condition has at most ${MAX_LENGTH} characters`);
  if (source.trim() === '') return null;
  return new Parser(tokenize(source)).parse();
}

function lookup(context: Readonly<Record<string, unknown>>, path: readonly string[]): Value {
  let current: unknown = context;
  for (const part of path) {
    if (typeof current !== 'object' || current === null || !Object.hasOwn(current, part)) return null;
    current = (current as Record<string, unknown>)[part];
  }
  return current === undefined ? null : (current as Value);
}

function truthy(value: Value): boolean {
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === 'string') return value !== '' && value.toLowerCase() !== 'false' && value !== '0';
  if (typeof value === 'object') return value !== null;
  return Boolean(value);
}

/** Parameters arrive as strings: "30" equals 30 and "true" equals true. */
function scalar(value: Value, like: Value): Value {
  if (typeof value === 'string' && typeof like === 'number' && value.trim() !== '' && !Number.isNaN(Number(value))) return Number(value);
  if (typeof value === 'string' && typeof like === 'boolean' && /^(true|false)$/i.test(value)) return value.toLowerCase() === 'true';
  return value;
}

function equal(a: Value, b: Value): boolean {
  const left = scalar(a, b);
  const right = scalar(b, a);
  if (Array.isArray(left) || Array.isArray(right) || (typeof left === 'object' && left !== null)) return JSON.stringify(left) === JSON.stringify(right);
  return left === right;
}

function order(op: '<' | '<=' | '>' | '>=', a: Value, b: Value): boolean {
  const left = scalar(a, b);
  const right = scalar(b, a);
  if (!((typeof left === 'number' && typeof right === 'number') || (typeof left === 'string' && typeof right === 'string'))) {
    throw new ConditionError(`cannot compare ${JSON.stringify(a)} ${op} ${JSON.stringify(b)}`);
  }
  return op === '<' ? left < right : op === '<=' ? left <= right : op === '>' ? left > right : left >= right;
}

function contains(container: Value, item: Value): boolean {
  if (Array.isArray(container)) return container.some((entry: Value) => equal(entry, item));
  if (typeof container === 'string' && (typeof item === 'string' || typeof item === 'number' || typeof item === 'boolean')) {
    return container.toLowerCase().includes(String(item).toLowerCase());
  }
  return false;
}

/** `*` any characters, `?` one; whole string, case-insensitive. */
export function globMatch(text: Value, pattern: Value): boolean {
  if (typeof text !== 'string' || typeof pattern !== 'string') return false;
  const source = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${source}$`, 'is').test(text);
}

function evaluate(node: Node, context: Readonly<Record<string, unknown>>): Value {
  switch (node.kind) {
    case 'literal':
      return node.value;
    case 'name':
      return lookup(context, node.path);
    case 'list':
      return node.items.map((item) => evaluate(item, context));
    case 'not':
      return !truthy(evaluate(node.operand, context));
    case 'logic': {
      const left = truthy(evaluate(node.left, context));
      if (node.op === 'and' ? !left : left) return left;
      return truthy(evaluate(node.right, context));
    }
    case 'compare': {
      const left = evaluate(node.left, context);
      const right = evaluate(node.right, context);
      switch (node.op) {
        case '==':
          return equal(left, right);
        case '!=':
          return !equal(left, right);
        case 'contains':
          return contains(left, right);
        case 'in':
          return contains(right, left);
        case 'matches':
          return globMatch(left, right);
        default:
          return order(node.op, left, right);
      }
    }
  }
}

/** True when the condition holds over the context; an empty condition always holds. */
export function evaluateCondition(source: string, context: Readonly<Record<string, unknown>>): boolean {
  const node = parseCondition(source);
  return node === null ? true : truthy(evaluate(node, context));
}
