import type { FileHashCache } from './fileHashCache.ts';
import { NamedFileHashes, normalRequestPath, pathMemberForms } from './namedFiles.ts';
import { compileVariablePattern, userVariables, type Variables, type VariablePattern } from './patterns.ts';
import type { Collection } from './policySchema.ts';
import type { EvaluationRequest } from './request.ts';

/** Collections whose named files are also matched by their SHA-256, and the cache that hashes them. */
export interface NamedFileHashing {
  readonly collectionIds: ReadonlySet<string>;
  readonly cache: FileHashCache;
}

interface PatternEntry {
  readonly collectionId: string;
  readonly matches: VariablePattern;
}

/**
 * Collections compiled for lookup: exact names, uids, groups, hashes and signers go into maps; only
 * wildcard patterns are scanned. Answers "which collections does this user/machine/application
 * belong to" in one pass per request.
 */
export class CollectionIndex {
  readonly ids: ReadonlySet<string>;
  private readonly names = new Map<string, string>();
  private readonly usersByName = new Map<string, string[]>();
  private readonly usersByUid = new Map<number, string[]>();
  private readonly usersByGroup = new Map<string, string[]>();
  private readonly machinePatterns: PatternEntry[] = [];
  /**
   * Path patterns filed by the folder their literal start names (`/usr/bin/apt*` under `/usr/bin/`;
   * `''` for those that start with a wildcard or a variable): a path is only tested against the
   * patterns of its own parent folders.
   */
  private readonly appPatterns = new Map<string, PatternEntry[]>();
  /** Application paths with no wildcard or variable, looked up instead of scanned. */
  private readonly appsByPath = new Map<string, string[]>();
  private readonly appsByHash = new Map<string, string[]>();
  private readonly appsBySigner = new Map<string, string[]>();
  private readonly caseInsensitive: boolean;
  private readonly platform: NodeJS.Platform;
  private readonly namedHashes: NamedFileHashes | null;

  constructor(collections: readonly Collection[], platform: NodeJS.Platform, hashing?: NamedFileHashing) {
    this.platform = platform;
    this.caseInsensitive = platform === 'win32';
    this.ids = new Set(collections.map((c) => c.CollectionId));
    for (const c of collections) if (c.Name) this.names.set(c.CollectionId, c.Name);
    const fold = (s: string) => (this.caseInsensitive ? s.toLowerCase() : s);
    const pattern = (collectionId: string, value: string): PatternEntry => ({ collectionId, matches: compileVariablePattern(value, this.caseInsensitive) });
    for (const collection of collections) {
      const id = collection.CollectionId;
      switch (collection.Type) {
        case 'User':
          for (const m of collection.Members) {
            if ('Name' in m) push(this.usersByName, fold(m.Name), id);
            else if ('Uid' in m) push(this.usersByUid, m.Uid, id);
            else push(this.usersByGroup, fold(m.Group), id);
          }
          break;
        case 'Machine':
          for (const m of collection.Members) this.machinePatterns.push(pattern(id, m.Name));
          break;
        case 'Application':
          for (const m of collection.Members) {
            if ('Path' in m) {
              // Request paths are canonical: each member is also filed in its canonical forms.
              for (const form of pathMemberForms(m.Path, platform)) {
                if (/[*?{]/.test(form)) push(this.appPatterns, folderOf(fold(form.slice(0, form.search(/[*?{]/)))), pattern(id, form));
                else push(this.appsByPath, fold(form), id);
              }
            } else if ('Sha256' in m) push(this.appsByHash, m.Sha256.toLowerCase(), id);
            else push(this.appsBySigner, m.Signer.toLowerCase(), id);
          }
          break;
      }
    }
    const named = collections.flatMap((c) =>
      c.Type === 'Application' && hashing?.collectionIds.has(c.CollectionId)
        ? c.Members.flatMap((m) => ('Path' in m ? [{ collectionId: c.CollectionId, path: m.Path }] : []))
        : [],
    );
    this.namedHashes = hashing && platform !== 'win32' && named.length > 0 ? new NamedFileHashes(named, hashing.cache) : null;
  }

  /** Whether any Application collection has a Signer member: only then must the agent find a file's signer. */
  get hasSigners(): boolean {
    return this.appsBySigner.size > 0;
  }

  /** What a person calls a collection: its name, or its id when it has none. */
  nameOf(id: string): string {
    return this.names.get(id) ?? id;
  }

  userCollections(user: EvaluationRequest['user']): Set<string> {
    const fold = (s: string) => (this.caseInsensitive ? s.toLowerCase() : s);
    const out = new Set<string>();
    if (user.name !== null) addAll(out, this.usersByName.get(fold(user.name)));
    if (user.uid !== null) addAll(out, this.usersByUid.get(user.uid));
    for (const group of user.groups) addAll(out, this.usersByGroup.get(fold(group)));
    return out;
  }

  machineCollections(request: EvaluationRequest, variables: () => Variables): Set<string> {
    const out = new Set<string>();
    for (const entry of this.machinePatterns) if (entry.matches(request.machine.name, variables)) out.add(entry.collectionId);
    return out;
  }

  /** The request's variables, worked out once and only if a pattern needs them. */
  variablesOf(request: EvaluationRequest): () => Variables {
    let variables: Variables | null = null;
    return () => (variables ??= userVariables(request.user, this.platform));
  }

  applicationCollections(request: EvaluationRequest, variables: () => Variables): Set<string> {
    const out = new Set<string>();
    const { application } = request;
    const normal = normalRequestPath(application.path, this.platform);
    const path = this.caseInsensitive ? normal.toLowerCase() : normal;
    addAll(out, this.appsByPath.get(path));
    if (application.sha256) {
      addAll(out, this.appsByHash.get(application.sha256.toLowerCase()));
      addAll(out, this.namedHashes?.collectionsOf(application.sha256));
    }
    if (application.signer) addAll(out, this.appsBySigner.get(application.signer.toLowerCase()));
    const test = (entries: readonly PatternEntry[] | undefined) => {
      if (entries) for (const entry of entries) if (!out.has(entry.collectionId) && entry.matches(normal, variables)) out.add(entry.collectionId);
    };
    test(this.appPatterns.get(''));
    for (let i = 0; i < path.length; i++) if (SEPARATORS.has(path[i]!)) test(this.appPatterns.get(path.slice(0, i + 1)));
    return out;
  }
}

const SEPARATORS = new Set(['/', '\\']);

/** The text up to and including its last path separator; '' when it has none. */
function folderOf(text: string): string {
  return text.slice(0, Math.max(text.lastIndexOf('/'), text.lastIndexOf('\\')) + 1);
}

function push<K, V>(map: Map<K, V[]>, key: K, id: V): void {
  const list = map.get(key);
  if (list) list.push(id);
  else map.set(key, [id]);
}

function addAll(set: Set<string>, values: readonly string[] | undefined): void {
  if (values) for (const v of values) set.add(v);
}
