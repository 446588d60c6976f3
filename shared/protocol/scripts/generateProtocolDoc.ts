/**
 * Writes the generated part of docs/protocol.md, between `<!-- BEGIN GENERATED -->` and
 * `<!-- END GENERATED -->`, from the protocol's own declarations in shared/protocol/src/common: the
 * error codes (errors.ts) and every method and notification with its params and result as JSON
 * Schema (`z.toJSONSchema` of the zod schemas both sides validate with). Everything outside the
 * markers is hand-written and left alone.
 *
 *   node shared/protocol/scripts/generateProtocolDoc.ts           rewrite docs/protocol.md
 *   node shared/protocol/scripts/generateProtocolDoc.ts --check   exit 1 if it is out of date
 *
 * The rendering is pure (zod and the protocol declarations only), so protocolDoc.test.ts runs the
 * same check under Vitest, with the files read through Vite; the command line is the only part that
 * touches the file system, and it loads node:fs dynamically so this file also type-checks in the
 * renderer's configuration, which includes the test.
 */
import * as z from 'zod';
import * as protocol from '../src/common/index.ts';
import { AgentErrorCodes, JsonRpcErrorCodes, type NotificationDescriptor, type RequestDescriptor } from '../src/common/index.ts';

export const BEGIN_MARKER = '<!-- BEGIN GENERATED -->';
export const END_MARKER = '<!-- END GENERATED -->';

/** Source text of shared/protocol/src/common/errors.ts and methods/*.ts (any keys): their doc comments describe the codes and methods. */
export type ProtocolSources = Readonly<Record<string, string>>;

type Descriptor = RequestDescriptor | NotificationDescriptor;

const isDescriptor = (value: unknown): value is Descriptor =>
  typeof value === 'object' && value !== null && ['request', 'notification'].includes((value as { kind?: unknown }).kind as string);

/** Meanings of codes whose declaration has no doc comment. */
const CODE_MEANINGS: Readonly<Record<string, string>> = {
  ParseError: 'The frame body is not valid JSON. Sent with `id: null`; the connection stays open.',
  InvalidRequest: 'The framing was violated (see Framing). Sent with `id: null`, then the agent closes the connection.',
  MethodNotFound: 'No such method (the message names it).',
  InvalidParams: "The params fail the method's schema; the message lists each failing field.",
  InternalError: 'The agent failed unexpectedly. The typed client also reports a timeout or a closed connection with this code.',
  NotFound: "The request, prompt, approval, enrollment or running program named in the params does not exist, or is not the caller's.",
  RateLimited: 'Too many attempts of this kind; try again later.',
  TooManyRequests: 'Too many requests at once on this connection.',
};

/** The doc comment right before each `export const X = define…('method'` and each `Name: -33001,` entry, one line. */
function docComments(sources: ProtocolSources): Map<string, string> {
  const comments = new Map<string, string>();
  const clean = (body: string) =>
    body
      .split('\n')
      .map((line) => line.replace(/^\s*\*?\s?/, '').trim())
      .filter(Boolean)
      .join(' ');
  for (const source of Object.values(sources)) {
    const methods = /\/\*\*((?:(?!\*\/)[\s\S])*)\*\/\s*export const \w+ = define(?:Request|Notification)\(\s*'([^']+)'/g;
    for (const m of source.matchAll(methods)) comments.set(m[2]!, clean(m[1]!));
    const codes = /\/\*\*((?:(?!\*\/)[\s\S])*)\*\/\s*(\w+): -\d+,/g;
    for (const m of source.matchAll(codes)) comments.set(m[2]!, clean(m[1]!));
  }
  return comments;
}

/** What a method's doc comment says, without the leading "`method`: " it repeats. */
function summaryOf(method: string, comments: Map<string, string>): string {
  const text = comments.get(method) ?? '';
  const rest = text.replace(new RegExp(`^\`${method.replace(/\./g, '\\.')}\`:\\s*`), '');
  return rest.charAt(0).toUpperCase() + rest.slice(1);
}

type ReasonUnion = typeof protocol.ReasonDetail | typeof protocol.JobReasonDetail | typeof protocol.JobTaskReasonDetail;
const codesOf = (union: ReasonUnion) => union.options.map((option) => option.shape.code.value);

/** Reason unions documented once, in their own section, instead of in every schema that carries them. */
const LISTED_CODES: ReadonlyArray<{ readonly heading: string; readonly schemas: readonly unknown[] }> = [
  { heading: 'Reason codes', schemas: [protocol.ReasonDetail] },
  { heading: 'Job reason codes', schemas: [protocol.JobReasonDetail, protocol.JobTaskReasonDetail] },
];

const codeTable = (union: ReasonUnion) =>
  union.options.map((option) => {
    const values =
      Object.keys(option.shape.values.shape)
        .map((name) => `\`${name}\``)
        .join(', ') || '—';
    return `| \`${option.shape.code.value}\` | ${values} |`;
  });

interface ZodCheckLike {
  _zod: { def: { check: string; error?: (issue: unknown) => unknown } };
}

/** JSON Schema of one zod schema; refinements JSON Schema cannot express are named in `description`. */
function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): string {
  const json = z.toJSONSchema(schema, {
    io,
    unrepresentable: 'any',
    override: (ctx) => {
      // Dozens of reason codes would repeat in every result that carries one: they are listed once instead.
      const listed = LISTED_CODES.find((list) => list.schemas.includes(ctx.zodSchema));
      if (listed) {
        for (const key of Object.keys(ctx.jsonSchema)) delete (ctx.jsonSchema as Record<string, unknown>)[key];
        Object.assign(ctx.jsonSchema, {
          type: 'object',
          description: `A reason code and its values, listed under "${listed.heading}".`,
          properties: { code: { type: 'string', enum: codesOf(ctx.zodSchema as ReasonUnion) }, values: { type: 'object' } },
          required: ['code', 'values'],
        });
        return;
      }
      const checks = ((ctx.zodSchema._zod.def as { checks?: ZodCheckLike[] }).checks ?? []).filter((c) => c._zod.def.check === 'custom');
      if (checks.length === 0) return;
      const rules = checks.map((c) => {
        const message = c._zod.def.error?.({ code: 'custom' });
        return typeof message === 'string' ? message : 'a custom rule';
      });
      const note = `Also checked: ${rules.join('; ')}.`;
      ctx.jsonSchema.description = ctx.jsonSchema.description ? `${ctx.jsonSchema.description} ${note}` : note;
    },
  }) as Record<string, unknown>;
  delete json['$schema'];
  return ['```json', JSON.stringify(json, null, 2), '```'].join('\n');
}

/** GitHub's heading anchor: lower case, punctuation other than `-` and `_` dropped. */
const anchor = (heading: string) =>
  heading
    .toLowerCase()
    .replace(/[^a-z0-9 _-]/g, '')
    .replace(/ /g, '-');

/** The text between the markers (without them). */
export function renderGenerated(sources: ProtocolSources): string {
  const comments = docComments(sources);
  const all = (Object.values(protocol) as unknown[]).filter(isDescriptor);
  const byMethod = (a: Descriptor, b: Descriptor) => (a.method < b.method ? -1 : a.method > b.method ? 1 : 0);
  const requests = all.filter((d): d is RequestDescriptor => d.kind === 'request').sort(byMethod);
  const notifications = all.filter((d): d is NotificationDescriptor => d.kind === 'notification').sort(byMethod);
  const out: string[] = [
    '',
    '<!-- Written by shared/protocol/scripts/generateProtocolDoc.ts from shared/protocol/src/common; edit those, then run it. -->',
    '',
    '## Error codes',
    '',
    "From `shared/protocol/src/common/errors.ts`. JSON-RPC reserves -32768..-32000; the agent's own block starts at -33000,",
    'so a code alone tells whether the transport or the agent refused a call.',
    '',
    '| Code | Name | Meaning |',
    '|---:|---|---|',
  ];
  for (const [name, code] of [...Object.entries(JsonRpcErrorCodes), ...Object.entries(AgentErrorCodes)]) {
    const meaning = comments.get(name) ?? CODE_MEANINGS[name] ?? '(undocumented: give it a doc comment in errors.ts)';
    out.push(`| ${code} | ${name} | ${meaning.replace(/\|/g, '\\|')} |`);
  }
  out.push(
    '',
    '## Reason codes',
    '',
    "A decision's `reasonDetail`: the English `reason` as a code plus values, which a window words in the user's language",
    '(`common:reason.<code>`). A client that does not know a code reads the detail as absent and shows `reason`.',
    '',
    '| Code | Values |',
    '|---|---|',
  );
  out.push(...codeTable(protocol.ReasonDetail));
  out.push(
    '',
    '## Job reason codes',
    '',
    "A job run's or task's `reasonDetail` (`jobs.runs`), worded as `common:jobReason.<code>`. `cause` is the failed task's",
    "own job reason and `reason` a decision's reason code; `condition`, `error` and `detail` are outside text (a job file's",
    'condition, an OS or desktop message), shown verbatim after the sentence.',
    '',
    '| Code | Values |',
    '|---|---|',
  );
  out.push(...codeTable(protocol.JobReasonDetail));
  out.push(
    '',
    '## Methods and notifications',
    '',
    'Every method declared in `shared/protocol/src/common/methods`. Requests travel from a client to the agent and get one',
    'answer; notifications travel from the agent to its clients and get none. Schemas are JSON Schema (draft 2020-12) made',
    'by `z.toJSONSchema` from the zod schemas both sides validate with: params as the client may send them (fields with a',
    'default may be left out), results as the agent sends them. Rules JSON Schema cannot express are named in a',
    '`description`.',
    '',
    '| Method | Kind | Since | Summary |',
    '|---|---|---:|---|',
  );
  for (const d of [...requests, ...notifications]) {
    const summary = summaryOf(d.method, comments).replace(/\|/g, '\\|') || '—';
    out.push(`| [\`${d.method}\`](#${anchor(d.method)}) | ${d.kind} | ${d.since} | ${summary} |`);
  }
  out.push('', '### Requests');
  for (const d of requests) {
    const omittable = d.params.safeParse(undefined).success;
    out.push(
      '',
      `#### ${d.method}`,
      '',
      `Request, client → agent, since protocol ${d.since}. ${summaryOf(d.method, comments)}`.trim(),
      '',
      omittable ? 'Params (may also be omitted):' : 'Params:',
      '',
      jsonSchema(d.params, 'input'),
      '',
      'Result:',
      '',
      jsonSchema(d.result, 'output'),
    );
  }
  out.push('', '### Notifications');
  for (const d of notifications) {
    out.push(
      '',
      `#### ${d.method}`,
      '',
      `Notification, agent → client, since protocol ${d.since}. ${summaryOf(d.method, comments)}`.trim(),
      '',
      'Params:',
      '',
      jsonSchema(d.params, 'output'),
    );
  }
  out.push('');
  return out.join('\n');
}

/** docs/protocol.md with its generated part replaced; throws if the markers are missing or repeated. */
export function updateProtocolDoc(doc: string, sources: ProtocolSources): string {
  const begin = doc.indexOf(BEGIN_MARKER);
  const end = doc.indexOf(END_MARKER);
  if (begin < 0 || end < begin || doc.indexOf(BEGIN_MARKER, begin + 1) >= 0 || doc.indexOf(END_MARKER, end + 1) >= 0) {
    throw new Error(`docs/protocol.md needs exactly one ${BEGIN_MARKER} followed by one ${END_MARKER}`);
  }
  return doc.slice(0, begin + BEGIN_MARKER.length) + renderGenerated(sources) + doc.slice(end);
}

/* ---------------------------------------------------------------------------------------------- */
/* Command line                                                                                      */
/* ---------------------------------------------------------------------------------------------- */

interface NodeFs {
  readFileSync(path: URL, encoding: 'utf8'): string;
  writeFileSync(path: URL, data: string): void;
  readdirSync(path: URL): string[];
}
interface NodeProcess {
  argv: string[];
  exitCode?: number;
  stdout: { write(text: string): void };
  stderr: { write(text: string): void };
}

/** node:fs, loaded by a computed name: the renderer's type-check (which sees this file through the test) has no Node types. */
async function nodeFs(): Promise<NodeFs> {
  const name: string = 'node:fs';
  return (await import(/* @vite-ignore */ name)) as NodeFs;
}

const DOC_URL = new URL('../../../docs/protocol.md', import.meta.url);
const COMMON_URL = new URL('../src/common/', import.meta.url);

/**
 * The check mode, for the command line and protocolDoc.test.ts: docs/protocol.md as it is on disk and
 * as the generator would write it, from the declarations on disk.
 */
export async function checkProtocolDoc(): Promise<{ current: string; expected: string }> {
  const fs = await nodeFs();
  const sources: Record<string, string> = { 'errors.ts': fs.readFileSync(new URL('errors.ts', COMMON_URL), 'utf8') };
  for (const name of fs
    .readdirSync(new URL('methods/', COMMON_URL))
    .filter((n) => n.endsWith('.ts'))
    .sort()) {
    sources[`methods/${name}`] = fs.readFileSync(new URL(`methods/${name}`, COMMON_URL), 'utf8');
  }
  const current = fs.readFileSync(DOC_URL, 'utf8');
  return { current, expected: updateProtocolDoc(current, sources) };
}

async function main(): Promise<void> {
  const proc = (globalThis as unknown as { process: NodeProcess }).process;
  const { current, expected } = await checkProtocolDoc();
  if (proc.argv.includes('--check')) {
    if (expected !== current) {
      proc.stderr.write('docs/protocol.md is out of date: run node shared/protocol/scripts/generateProtocolDoc.ts\n');
      proc.exitCode = 1;
    } else {
      proc.stdout.write('docs/protocol.md is up to date\n');
    }
    return;
  }
  if (expected !== current) (await nodeFs()).writeFileSync(DOC_URL, expected);
  proc.stdout.write(expected !== current ? 'docs/protocol.md updated\n' : 'docs/protocol.md already up to date\n');
}

if ((import.meta as unknown as { main?: boolean }).main) await main();
