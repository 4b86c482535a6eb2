/**
 * The host-side hash commands, run by a real /bin/sh on real files: with openssl, without it on
 * the PATH, and with an openssl that fails. Each must print the same digest Node computes.
 */
import { execFileSync } from 'node:child_process';
import { symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import { integrityProbeCommand, parseIntegrityProbe } from '../../../src/etcd/snapshot-check.js';
import { hostSha256Command, OPENSSL_HASH_FROM_BYTES, parseSha256sum, sha256Hex } from '../../../src/modules/lib/checksum.js';
import { tempDir } from './support/context.js';

/** the tools the commands use, linked into a dir so a PATH can leave openssl out */
const TOOLS = ['sh', 'sha256sum', 'wc', 'cut', 'head', 'tail', 'od', 'tr', 'cat'];

function which(tool: string): string {
  return execFileSync('/bin/sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).trim();
}

/** a PATH dir with the plain tools, and openssl: 'real', 'absent' or 'broken' (exits 1) */
function pathWith(dir: string, openssl: 'real' | 'absent' | 'broken'): string {
  const bin = join(dir, `bin-${openssl}`);
  execFileSync('mkdir', ['-p', bin]);
  for (const tool of TOOLS) symlinkSync(which(tool), join(bin, tool));
  if (openssl === 'real') symlinkSync(which('openssl'), join(bin, 'openssl'));
  if (openssl === 'broken') writeFileSync(join(bin, 'openssl'), '#!/bin/sh\necho "openssl: broken" >&2\nexit 1\n', { mode: 0o755 });
  return bin;
}

function runSh(script: string, path: string): string {
  return execFileSync(join(path, 'sh'), ['-c', script], { encoding: 'utf8', env: { PATH: path } });
}

/** a file shaped like a saved snapshot: whole pages, then the sha256 of them */
function savedSnapshot(pages: number): Buffer {
  const body = Buffer.alloc(4096 * pages);
  for (let i = 0; i < body.length; i++) body[i] = (i * 31 + 7) & 0xff;
  return Buffer.concat([body, Buffer.from(sha256Hex(body), 'hex')]);
}

for (const openssl of ['real', 'absent', 'broken'] as const) {
  test(`hostSha256Command prints the file's sha256 (openssl ${openssl})`, async (t) => {
    const dir = await tempDir(t, 'runbook-sha-');
    const path = pathWith(dir, openssl);
    const file = join(dir, "it's a file.db");
    const bytes = Buffer.from('snapshot bytes\n'.repeat(1000));
    writeFileSync(file, bytes);
    // no size hint: a file that may be big goes through openssl first
    t.is(parseSha256sum(runSh(hostSha256Command(file), path)), sha256Hex(bytes));
    t.is(parseSha256sum(runSh(hostSha256Command(file, bytes.length), path)), sha256Hex(bytes));
  });

  test(`the snapshot probe checks the appended hash and the whole file (openssl ${openssl})`, async (t) => {
    const dir = await tempDir(t, 'runbook-sha-');
    const path = pathWith(dir, openssl);
    const file = join(dir, 'snap.db');
    const snap = savedSnapshot(3);
    writeFileSync(file, snap);
    writeFileSync(`${file}.sha256`, `${sha256Hex(snap)}  snap.db\n`);
    const good = parseIntegrityProbe(file, runSh(integrityProbeCommand(file), path));
    t.like(good, { hasHash: true, hashOk: true, sidecarOk: true, sha256: sha256Hex(snap), problem: undefined });

    const corrupt = Buffer.from(snap);
    corrupt[100] ^= 0xff;
    writeFileSync(file, corrupt);
    const bad = parseIntegrityProbe(file, runSh(integrityProbeCommand(file), path));
    t.false(bad.hashOk);
    t.false(bad.sidecarOk);
    t.truthy(bad.problem);
  });
}

test('the probe hashes only what it is asked for', async (t) => {
  const dir = await tempDir(t, 'runbook-sha-');
  const path = pathWith(dir, 'real');
  const file = join(dir, 'snap.db');
  const snap = savedSnapshot(2);
  writeFileSync(file, snap);
  const hashes = { whole: 'sidecar', body: false } as const;
  // no FILE.sha256: nothing is read but the size
  const bare = runSh(integrityProbeCommand(file, hashes), path);
  t.notRegex(bare, /sha256=|body_sha256=/);
  t.like(parseIntegrityProbe(file, bare, hashes), { hasHash: true, hashOk: undefined, problem: undefined });
  // with one: the whole file, compared
  writeFileSync(`${file}.sha256`, `${'0'.repeat(64)}  snap.db\n`);
  const withSidecar = parseIntegrityProbe(file, runSh(integrityProbeCommand(file, hashes), path), hashes);
  t.false(withSidecar.sidecarOk);
  t.regex(withSidecar.problem!, /does not match/);
});

test('big files are hashed with openssl, small ones with sha256sum', (t) => {
  t.is(hostSha256Command('/x', 10), 'sha256sum < /x');
  t.regex(hostSha256Command('/x', OPENSSL_HASH_FROM_BYTES), /^\{ openssl dgst -sha256 -r < \/x 2>\/dev\/null \|\| sha256sum < \/x; \}$/);
});
