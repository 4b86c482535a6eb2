/** Encodings and digests. Text is UTF-8, as in Ansible. */
import { createHash, getHashes } from 'node:crypto';
import { toText } from '../strict-runtime.js';
import type { FilterDef } from './define.js';

function digest(algorithm: string) {
  return (v: unknown) => createHash(algorithm).update(toText(v), 'utf8').digest('hex');
}

export const encodingFilters: Record<string, FilterDef> = {
  b64encode: { fn: (v) => Buffer.from(toText(v), 'utf8').toString('base64') },
  b64decode: {
    fn: (v) => {
      const s = toText(v).replace(/\s+/g, '');
      if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(s)) throw new Error('not valid base64');
      return Buffer.from(s, 'base64').toString('utf8');
    },
  },
  /** hash('sha256'); the default is sha1, as Ansible's */
  hash: {
    params: ['hashtype'],
    fn: (v, a) => {
      const algorithm = String(a.get('hashtype', 'sha1')).toLowerCase();
      if (!getHashes().includes(algorithm)) throw new Error(`unknown hash type \`${algorithm}\``);
      return digest(algorithm)(v);
    },
  },
  checksum: { fn: digest('sha1') },
  sha1: { fn: digest('sha1') },
  md5: { fn: digest('md5') },
  sha256: { fn: digest('sha256') },
};
