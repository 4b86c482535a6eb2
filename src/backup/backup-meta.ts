/**
 * What is stored with each backup in object storage, as the object `<snapshot>.meta.json`
 * beside it: written after the snapshot object is complete, so a snapshot without it is an
 * unfinished backup and is never listed as one. The sha256 is that of the plain snapshot (the
 * `.db` etcd wrote), checked after download, decryption and decompression.
 */
import { z } from 'zod';

export const backupMetaSchema = z.object({
  format: z.literal('runbook-etcd-backup/1'),
  /** sha256 of the plain snapshot */
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  /** bytes of the plain snapshot */
  size: z.number().int().nonnegative(),
  /** bytes of the stored object (compressed, encrypted) */
  stored_size: z.number().int().nonnegative(),
  cluster: z.string(),
  cluster_id: z.string(),
  member: z.string(),
  revision: z.number().int().nonnegative(),
  etcd_version: z.string(),
  /** keys in the keyspace at the snapshot's revision */
  keys: z.number().int().nonnegative().nullable(),
  runbook_version: z.string(),
  created: z.string(),
  compression: z.enum(['gzip', 'none']),
  /** age recipients (public keys) the object is encrypted for; empty: plaintext */
  encryption: z.object({ kind: z.enum(['age', 'none']), recipients: z.array(z.string()) }),
});

export type BackupMeta = z.infer<typeof backupMetaSchema>;

export function parseBackupMeta(text: string, where: string): BackupMeta {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error(`${where} is not JSON: the backup's metadata is damaged`);
  }
  const r = backupMetaSchema.safeParse(json);
  if (!r.success) throw new Error(`${where} is not backup metadata: ${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return r.data;
}
