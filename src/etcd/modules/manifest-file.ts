/**
 * Writing a static pod's manifest the way the kubelet needs it: the kubelet runs every file in
 * its manifests dir, so neither the temp file of an atomic write nor a backup may ever be in
 * there. Both go to a staging dir beside it (`/etc/kubernetes/tmp`, where kubeadm keeps its own
 * manifest backups during upgrades), on the same file system, so the final `mv` is an atomic
 * rename: the kubelet sees the old manifest or the new one, never half of one.
 */
import { randomBytes } from 'node:crypto';
import { posix } from 'node:path';
import { sha256Hex } from '../../modules/lib/checksum.js';
import { execOrThrow } from '../../modules/lib/exec.js';
import { finalizeScript, putTemp } from '../../modules/lib/install-file.js';
import { backupPathFor, type PresentStat } from '../../modules/lib/remote-file.js';
import type { ModuleContext } from '../../modules/types.js';
import { sh } from '../../transport/shell-quote.js';

/**
 * Where the temp file and the backup of `path` go: for a file in the manifests dir, `tmp` in
 * the manifests dir's parent; for a manifest kept elsewhere (moved out to stop the pod), its
 * own dir, which no kubelet reads.
 */
export function stagingDirFor(path: string, manifest: string): string {
  const manifestsDir = posix.dirname(manifest);
  const dir = posix.dirname(path);
  return dir === manifestsDir ? posix.join(posix.dirname(manifestsDir), 'tmp') : dir;
}

export interface ManifestWrite {
  path: string;
  content: Buffer;
  current: PresentStat;
  staging: string;
  backup: boolean;
}

/** write the manifest atomically from the staging dir; returns the backup's path, if kept */
export async function writeManifest(ctx: ModuleContext, w: ManifestWrite): Promise<string | undefined> {
  await execOrThrow(ctx, sh`mkdir -p -m 0700 -- ${w.staging}`, `create ${w.staging}`);
  const tmp = posix.join(w.staging, `.${posix.basename(w.path)}.runbook-tmp-${randomBytes(6).toString('hex')}`);
  const backupFile = w.backup ? posix.join(w.staging, posix.basename(backupPathFor(w.path))) : undefined;
  await putTemp(ctx, w.content, tmp);
  await execOrThrow(
    ctx,
    finalizeScript({ tmp, dest: w.path, sha256: sha256Hex(w.content), size: w.content.length, current: w.current, want: {}, backupFile }),
    `install ${w.path}`,
  );
  return backupFile;
}
