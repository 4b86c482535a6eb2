/**
 * `s3://bucket/prefix` as the backup playbooks, `backups list|prune` and restore take it. The
 * prefix is a "directory": backups are the objects directly under `prefix/`, named as the
 * backup playbook names them (backup-name.ts).
 */
export interface S3Location {
  bucket: string;
  /** no leading slash; empty, or ending with `/` */
  prefix: string;
}

export function isS3Url(s: unknown): s is string {
  return typeof s === 'string' && s.startsWith('s3://');
}

// S3's own rule for bucket names (3-63 of lowercase letters, digits, dots and hyphens)
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/** the bucket and prefix of a prefix URL; throws with what is wrong and what to write instead */
export function parseS3Prefix(url: string): S3Location {
  const m = /^s3:\/\/([^/?#]+)(?:\/([^?#]*))?$/.exec(url);
  if (!m) throw new Error(`"${url}" is not an s3://bucket/prefix URL`);
  const bucket = m[1]!;
  if (!BUCKET.test(bucket)) throw new Error(`"${bucket}" in ${url} is not a valid bucket name (3-63 lowercase letters, digits, dots, hyphens)`);
  const path = (m[2] ?? '').replace(/\/+$/, '');
  if (path.split('/').some((p) => p === '.' || p === '..') || path.includes('//') || path.startsWith('/')) {
    throw new Error(`the prefix in ${url} has an empty, . or .. part`);
  }
  return { bucket, prefix: path === '' ? '' : `${path}/` };
}

/** `s3://bucket/prefix/etcd-....db.gz.age`: the object and the prefix it is in */
export function parseS3Object(url: string): S3Location & { name: string; key: string } {
  const cut = url.lastIndexOf('/');
  const name = url.slice(cut + 1);
  if (cut < 's3://'.length || name === '') throw new Error(`"${url}" names no object: s3://bucket/prefix/NAME`);
  const where = parseS3Prefix(url.slice(0, cut));
  return { ...where, name, key: `${where.prefix}${name}` };
}

export function s3Url(loc: S3Location, name = ''): string {
  return `s3://${loc.bucket}/${loc.prefix}${name}`;
}
