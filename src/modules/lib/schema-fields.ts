import { posix } from 'node:path';
import { z } from 'zod';
import { isValidMode } from './file-mode.js';

/** Argument fields that several modules share, described once so editors show the same help. */

export function remotePath(description: string) {
  return z
    .string()
    .min(1)
    .refine((p) => p.startsWith('/'), { message: 'must be an absolute path on the host' })
    .refine((p) => !p.includes('\0'), { message: 'must not contain a NUL byte' })
    .describe(description);
}

export const modeField = z
  .string({
    error: (iss) =>
      iss.input === undefined
        ? 'mode is required'
        : `mode must be a quoted string such as '0644' or 'u+x' (YAML reads an unquoted 0644 as the number 644)`,
  })
  .refine(isValidMode, { message: `mode must be octal ('0644', '755') or symbolic ('u+x,go-w')` })
  .describe("permissions, quoted: octal '0644' or symbolic 'u=rw,go=r' (as chmod takes them)")
  .optional();

// ':' separates owner and group in `chown owner:group`; whitespace is never part of a name
const accountName = z.string().min(1).regex(/^[^:\s]+$/, { message: 'must be a user or group name or a numeric id' });

export const ownerField = accountName.describe('user name or numeric uid to own the file').optional();
export const groupField = accountName.describe('group name or numeric gid of the file').optional();

/** `/etc//x/` -> `/etc/x`: compare and report paths the way the host resolves them. */
export function normalizeRemotePath(p: string): string {
  const n = posix.normalize(p);
  return n.length > 1 && n.endsWith('/') ? n.slice(0, -1) : n;
}

export const validateField = z
  .string()
  .regex(/%s/, { message: 'validate must contain %s, the path of the new file' })
  .optional()
  .describe('command run on the new file before it replaces dest, %s standing for its path (e.g. `visudo -cf %s`); on failure nothing changes');

/** how copy and template write dest: its attributes, a backup of what it replaces, force, validate */
export const installFields = {
  mode: modeField,
  owner: ownerField,
  group: groupField,
  backup: z.boolean().optional().describe('keep the replaced file as dest.<YYYY-MM-DD@HH:MM:SS>~ and return its name as backup_file'),
  force: z.boolean().optional().describe('replace dest when its content differs (default true); false only creates a missing file'),
  validate: validateField,
};
