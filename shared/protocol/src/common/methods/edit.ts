import * as z from 'zod';
import { defineRequest, onFirstUse } from '../method.ts';
import { DecisionSummary, ElevationState } from './elevation.ts';

const requestId = () => z.string().min(1).max(100);
const sha256 = () => z.string().regex(/^[0-9a-f]{64}$/);

export const EditOpenParams = onFirstUse(() =>
  z.object({
    /** The file to edit, absolute; the agent decides on its canonical path. */
    path: z
      .string()
      .min(1)
      .max(4096)
      .refine((p) => p.startsWith('/'), 'an absolute path'),
    /** Where keeper-edit was started (shown to approvers, like an elevation's). */
    cwd: z.string().min(1).max(4096),
  }),
);

export const EditOpenResult = onFirstUse(() =>
  z.object({
    requestId: z.string(),
    /** As for an elevation: `pending` while prompts run (elevation.updated tells their progress). */
    state: ElevationState,
    decision: DecisionSummary,
    /** The canonical path: what the policies, prompts and audit saw. (No hash: a denied caller learns nothing of the file.) */
    path: z.string(),
  }),
);

/**
 * `edit.open`: the first step of keeper-edit. The agent opens FILE as root (canonical path, no symlink as the last
 * component, a regular file in folders only root can change) and decides under the File Access
 * policies, with the same controls as an elevation. Nothing of the file is given out yet.
 */
export const EditOpen = defineRequest('edit.open', EditOpenParams, EditOpenResult);

export const EditCopyResult = onFirstUse(() =>
  z.object({
    /** The caller's copy: 0600, the caller's own, in a folder only the caller can use. */
    copyPath: z.string(),
  }),
);

/** `edit.copy`: once the caller's edit request is allowed, the agent copies the file for the caller to edit. */
export const EditCopy = defineRequest(
  'edit.copy',
  onFirstUse(() => z.object({ requestId: requestId() })),
  EditCopyResult,
);

export const EditCommitResult = onFirstUse(() =>
  z.object({
    /** False when the copy is unchanged: nothing was written. */
    written: z.boolean(),
    path: z.string(),
    sha256Before: sha256().nullable(),
    sha256After: sha256().nullable(),
  }),
);

/**
 * `edit.commit`: the agent reads the caller's copy with the caller's rights, decides again, refuses
 * when the file changed since `edit.copy`, and writes the copy back atomically, keeping the file's
 * owner, group and mode. The copy is removed either way.
 */
export const EditCommit = defineRequest(
  'edit.commit',
  onFirstUse(() => z.object({ requestId: requestId() })),
  EditCommitResult,
);

/** `edit.cancel`: nothing is written; the caller's copy is removed (e.g. the editor failed). */
export const EditCancel = defineRequest(
  'edit.cancel',
  onFirstUse(() => z.object({ requestId: requestId() })),
  onFirstUse(() => z.object({})),
);

export type EditOpenParams = z.infer<typeof EditOpenParams>;
export type EditOpenResult = z.infer<typeof EditOpenResult>;
export type EditCopyResult = z.infer<typeof EditCopyResult>;
export type EditCommitResult = z.infer<typeof EditCommitResult>;
