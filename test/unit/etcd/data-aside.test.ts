import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import test from 'ava';
import { dataDirProbeCommand, parseDataDirProbe, putBackCommand, setAsideCommand, asidePathOf } from '../../../src/etcd/data-aside.js';
import { quote } from '../../../src/transport/shell-quote.js';
import { localTransport, tempDir } from '../modules/support/context.js';

// these run the scripts in this machine's real shell, on real dirs; the mount point case in a
// private mount namespace with a tmpfs, as a dedicated disk at /var/lib/etcd would be

const sh = async (script: string) => {
  const r = await localTransport().exec(script);
  if (r.exitCode !== 0) throw new Error(`exit ${r.exitCode}: ${r.stderr}`);
  return r.stdout;
};

async function tree(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { recursive: true })) out.push(String(e));
  return out.sort();
}

test('a plain data dir is renamed to a sibling and put back; what replaced it is kept', async (t) => {
  const root = await tempDir(t);
  const d = join(root, 'data dir');
  await mkdir(join(d, 'member'), { recursive: true });
  await writeFile(join(d, 'member', 'db'), 'old');
  const probe = parseDataDirProbe(await sh(dataDirProbeCommand(d, ['pre-restore-1'])), ['pre-restore-1']);
  t.like(probe, { exists: true, isDir: true, mountPoint: false });
  const aside = asidePathOf(d, 'pre-restore-1', false);
  t.is(aside, `${d}.pre-restore-1`);
  t.is((await sh(setAsideCommand(d, aside, false))).trim(), 'moved');
  t.deepEqual(await readdir(root), ['data dir.pre-restore-1']);
  // a second set-aside with the same name is refused, not nested
  await mkdir(d);
  await t.throwsAsync(sh(setAsideCommand(d, aside, false)), { message: /already exists/ });
  await writeFile(join(d, 'restored'), 'new');
  t.is((await sh(putBackCommand(d, aside, `${d}.failed-restore-1`, false))).trim(), 'back');
  t.deepEqual(await tree(root), ['data dir', 'data dir.failed-restore-1', 'data dir.failed-restore-1/restored', 'data dir/member', 'data dir/member/db']);
  t.is((await sh(putBackCommand(d, aside, `${d}.failed-restore-2`, false))).trim(), 'nothing');
});

test('a mount point keeps its contents inside it, never across filesystems, and gets them back', async (t) => {
  const root = await tempDir(t);
  const d = join(root, 'etcd');
  await mkdir(d);
  const aside = asidePathOf(d, 'pre-restore-1', true);
  const replaced = asidePathOf(d, 'failed-restore-1', true);
  // one private mount namespace for the whole story: the tmpfs vanishes with it
  const script = [
    'set -e',
    `mount -t tmpfs runbook-test ${quote(d)}`,
    `mkdir -p ${quote(join(d, 'member/wal'))} ${quote(join(d, 'lost+found'))} ${quote(join(d, '.pre-restore-0'))}`,
    `echo old > ${quote(join(d, 'member/db'))}; echo hidden > ${quote(join(d, '.etcd-own'))}`,
    dataDirProbeCommand(d, ['pre-restore-1']).replace(/exit 0/g, 'true'),
    `( ${setAsideCommand(d, aside, true)} )`,
    `echo AFTER_ASIDE; cd ${quote(d)}; find . | sort; cd /`,
    `mkdir -p ${quote(join(d, 'member'))}; echo new > ${quote(join(d, 'member/db'))}`,
    `( ${putBackCommand(d, aside, replaced, true)} )`,
    `echo AFTER_BACK; cd ${quote(d)}; find . | sort; cat member/db .failed-restore-1/member/db`,
  ].join('\n');
  const r = await localTransport().exec(`unshare -m sh -c ${quote(script)}`);
  if (r.exitCode !== 0 && /unshare|mount/.test(r.stderr) && /permission|not permitted/i.test(r.stderr)) return t.pass('no mount namespaces here');
  t.is(r.exitCode, 0, r.stderr);
  const [probeOut, afterAside, afterBack] = r.stdout.split(/AFTER_ASIDE\n|AFTER_BACK\n/);
  t.like(parseDataDirProbe(probeOut!, ['pre-restore-1']), { exists: true, mountPoint: true });
  t.regex(probeOut!, /^moved$/m);
  t.deepEqual(afterAside!.trim().split('\n'), ['.', './.pre-restore-0', './.pre-restore-1', './.pre-restore-1/.etcd-own', './.pre-restore-1/member', './.pre-restore-1/member/db', './.pre-restore-1/member/wal', './lost+found', 'back']);
  t.deepEqual(afterBack!.trim().split('\n'), [
    '.',
    './.etcd-own',
    './.failed-restore-1',
    './.failed-restore-1/member',
    './.failed-restore-1/member/db',
    './.pre-restore-0',
    './lost+found',
    './member',
    './member/db',
    './member/wal',
    'old',
    'new',
  ]);
  // the host's own view of the dir never changed: the mount lived only in that namespace
  t.deepEqual(await readdir(d), []);
});
