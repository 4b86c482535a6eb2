import test from 'ava';
import type { OfflineTool } from '../../../src/etcd/offline-tool.js';
import {
  membershipProblem,
  parseRestoreProbe,
  restoreCleanupCommand,
  restoreCommand,
  restoreFinishCommand,
  restoreRefusal,
  stagingDirOf,
  type RestoreRequest,
} from '../../../src/etcd/restore-plan.js';

const etcdctl34: OfflineTool = { kind: 'etcdctl', path: '/usr/bin/etcdctl', version: '3.4.23' };
const etcdutl35: OfflineTool = { kind: 'etcdutl', path: '/usr/local/bin/etcdutl', version: '3.5.16' };

const req = (o: Partial<RestoreRequest> = {}): RestoreRequest => ({
  snapshot: '/tmp/snapshot20230718.db',
  name: 'etcd1',
  initialCluster: 'etcd1=https://10.119.48.166:2380,etcd2=https://10.119.48.168:2380,etcd3=https://10.119.48.169:2380',
  initialClusterToken: 'etcd-cluster-1',
  initialAdvertisePeerUrls: 'https://10.119.48.166:2380',
  dataDir: '/data/kube/etcd',
  skipHashCheck: false,
  markCompacted: false,
  runId: 'run42',
  ...o,
});

test('3.4: the seed article\'s restore, into a staging dir', (t) => {
  t.is(
    restoreCommand(req(), etcdctl34),
    'ETCDCTL_API=3 /usr/bin/etcdctl snapshot restore /tmp/snapshot20230718.db --name=etcd1 ' +
      '--initial-cluster=etcd1=https://10.119.48.166:2380,etcd2=https://10.119.48.168:2380,etcd3=https://10.119.48.169:2380 ' +
      '--initial-cluster-token=etcd-cluster-1 --initial-advertise-peer-urls=https://10.119.48.166:2380 ' +
      '--data-dir=/data/kube/etcd.restore-tmp-run42',
  );
});

test('3.5+: etcdutl, with bump-revision and mark-compacted', (t) => {
  t.is(
    restoreCommand(req({ bumpRevision: 1000000000, markCompacted: true }), etcdutl35),
    '/usr/local/bin/etcdutl snapshot restore /tmp/snapshot20230718.db --name=etcd1 ' +
      '--initial-cluster=etcd1=https://10.119.48.166:2380,etcd2=https://10.119.48.168:2380,etcd3=https://10.119.48.169:2380 ' +
      '--initial-cluster-token=etcd-cluster-1 --initial-advertise-peer-urls=https://10.119.48.166:2380 ' +
      '--data-dir=/data/kube/etcd.restore-tmp-run42 --bump-revision=1000000000 --mark-compacted',
  );
});

test('bump-revision is refused on etcdctl 3.4, mark-compacted without bump anywhere', (t) => {
  t.throws(() => restoreCommand(req({ bumpRevision: 10 }), etcdctl34), { message: /need etcdutl/ });
  t.throws(() => restoreCommand(req({ markCompacted: true }), etcdutl35), { message: /needs bump_revision/ });
});

test('skip-hash-check only when asked; wal dir staged too', (t) => {
  t.false(restoreCommand(req(), etcdctl34).includes('--skip-hash-check'));
  const cmd = restoreCommand(req({ skipHashCheck: true, walDir: '/wal/etcd' }), etcdctl34);
  t.true(cmd.endsWith('--wal-dir=/wal/etcd.restore-tmp-run42 --skip-hash-check'));
});

test('hostile values arrive as single words', (t) => {
  const cmd = restoreCommand(req({ snapshot: '/tmp/x; rm -rf /', name: "a'b", dataDir: '/data/$(reboot)' }), etcdctl34);
  t.true(cmd.includes(`'/tmp/x; rm -rf /'`));
  t.true(cmd.includes(`'--name=a'"'"'b'`));
  t.true(cmd.includes(`'--data-dir=/data/$(reboot).restore-tmp-run42'`));
});

test('staging dir is a sibling with a safe suffix', (t) => {
  t.is(stagingDirOf('/var/lib/etcd/', 'r/1 x'), '/var/lib/etcd.restore-tmp-r_1_x');
});

test('membership: the member must be in initial-cluster with the URLs it advertises', (t) => {
  t.is(membershipProblem(req()), undefined);
  t.regex(membershipProblem(req({ name: 'etcd9' }))!, /etcd9 is not in initial_cluster/);
  t.regex(membershipProblem(req({ initialAdvertisePeerUrls: 'https://10.119.48.199:2380' }))!, /must be the same URLs/);
  t.regex(membershipProblem(req({ initialCluster: 'junk' }))!, /name=peerURL/);
});

const probe = (s: string) => parseRestoreProbe(s);

test('refuses a non-empty data dir and says how to move it aside', (t) => {
  const p = probe('data_dir=nonempty\ndata_stage=absent\nsnapshot=ok\nowner=etcd:etcd\n');
  t.is(
    restoreRefusal(req(), p),
    'data dir /data/kube/etcd is not empty: refusing to restore over it. Move it aside first (mv /data/kube/etcd /data/kube/etcd.pre-restore-run42) so it can be put back',
  );
});

test('accepts an absent or empty data dir', (t) => {
  t.is(restoreRefusal(req(), probe('data_dir=absent\ndata_stage=absent\nsnapshot=ok\n')), undefined);
  t.is(restoreRefusal(req(), probe('data_dir=empty\ndata_stage=absent\nsnapshot=ok\nowner=etcd:etcd\n')), undefined);
});

test('refuses symlinks, files, unreadable dirs, leftovers, a missing snapshot, a non-empty wal dir', (t) => {
  t.regex(restoreRefusal(req(), probe('data_dir=symlink\ndata_stage=absent\nsnapshot=ok'))!, /symlink/);
  t.regex(restoreRefusal(req(), probe('data_dir=notdir\ndata_stage=absent\nsnapshot=ok'))!, /not a directory/);
  t.regex(restoreRefusal(req(), probe('data_dir=unreadable\ndata_stage=absent\nsnapshot=ok'))!, /become/);
  t.regex(restoreRefusal(req(), probe('data_dir=absent\ndata_stage=nonempty\nsnapshot=ok'))!, /left over from an interrupted restore/);
  t.regex(restoreRefusal(req(), probe('data_dir=absent\ndata_stage=absent\nsnapshot=missing'))!, /does not exist/);
  t.regex(restoreRefusal(req(), probe('data_dir=absent\ndata_stage=absent\nsnapshot=empty'))!, /empty/);
  const w = req({ walDir: '/wal' });
  t.regex(restoreRefusal(w, probe('data_dir=absent\ndata_stage=absent\nwal_dir=nonempty\nwal_stage=absent\nsnapshot=ok'))!, /wal dir \/wal is not empty/);
});

test('the probe reports the owner etcd runs as', (t) => {
  t.is(probe('data_dir=empty\nowner=etcd:etcd').owner, 'etcd:etcd');
  t.is(probe('data_dir=empty\nowner=').owner, undefined);
});

test('finish: rmdir (never rm -rf) the empty dir, rename the staged one, chown, chmod', (t) => {
  t.is(
    restoreFinishCommand(req(), 'etcd:etcd'),
    [
      'set -e',
      'if [ -d /data/kube/etcd ]; then rmdir /data/kube/etcd; fi',
      'mv /data/kube/etcd.restore-tmp-run42 /data/kube/etcd',
      'chown -R etcd:etcd /data/kube/etcd',
      'chmod 700 /data/kube/etcd',
    ].join('\n'),
  );
  t.false(restoreFinishCommand(req(), undefined).includes('chown'));
});

test('cleanup after a failed restore removes only the staging dirs', (t) => {
  t.is(restoreCleanupCommand(req({ walDir: '/wal' })), 'rm -rf -- /data/kube/etcd.restore-tmp-run42 /wal.restore-tmp-run42');
});

test('a mount point data dir: staged inside it, its kept copies and lost+found do not count as data', (t) => {
  const m = req({ mountPoint: true, dataDir: '/var/lib/etcd' });
  t.is(stagingDirOf('/var/lib/etcd', 'run42', true), '/var/lib/etcd/.restore-tmp-run42');
  t.regex(restoreCommand(m, etcdutl35), / --data-dir=\/var\/lib\/etcd\/\.restore-tmp-run42$/);
  const kept = parseRestoreProbe('data_dir=nonempty\ndata_stage=absent\nmount=yes\ndata_dir_kept=empty\ndata_stage_inside=absent\nsnapshot=ok\nowner=etcd:etcd\n');
  t.is(restoreRefusal(m, kept), undefined);
  const full = parseRestoreProbe('data_dir=nonempty\ndata_stage=absent\nmount=yes\ndata_dir_kept=nonempty\ndata_stage_inside=absent\nsnapshot=ok\n');
  t.regex(restoreRefusal(m, full)!, /is a mount point and not empty.*\/var\/lib\/etcd\/\.pre-restore-run42/);
  const leftover = parseRestoreProbe('data_dir=nonempty\ndata_stage=absent\nmount=yes\ndata_dir_kept=empty\ndata_stage_inside=nonempty\nsnapshot=ok\n');
  t.regex(restoreRefusal(m, leftover)!, /\/var\/lib\/etcd\/\.restore-tmp-run42 is left over/);
  t.is(restoreCleanupCommand(m), 'rm -rf -- /var/lib/etcd/.restore-tmp-run42');
  t.false(restoreFinishCommand(m, 'etcd:etcd').includes('rmdir /var/lib/etcd\n'));
});

test('a mount point data dir, in a real shell: the probe sees the mount, the finish moves member/ in beside the kept copy', async (t) => {
  const { mkdtemp, rm } = await import('node:fs/promises');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const { localTransport } = await import('../modules/support/context.js');
  const { quote } = await import('../../../src/transport/shell-quote.js');
  const { restoreProbeCommand } = await import('../../../src/etcd/restore-plan.js');
  const root = await mkdtemp(join(tmpdir(), 'runbook-restore-mount-'));
  t.teardown(() => rm(root, { recursive: true, force: true }));
  const d = join(root, 'etcd');
  const snap = join(root, 's.db');
  const m = req({ dataDir: d, snapshot: snap });
  const script = [
    'set -e',
    `mkdir ${quote(d)}; echo x > ${quote(snap)}`,
    `mount -t tmpfs runbook-test ${quote(d)}`,
    `mkdir -p ${quote(`${d}/.pre-restore-run42/member`)} ${quote(`${d}/lost+found`)}`,
    `( ${restoreProbeCommand(m)} )`,
    'echo FINISH',
    `mkdir -p ${quote(`${d}/.restore-tmp-run42/member/snap`)}`,
    `( ${restoreFinishCommand({ ...m, mountPoint: true }, undefined)} )`,
    `cd ${quote(d)}; find . | sort; stat -c %a .`,
  ].join('\n');
  const r = await localTransport().exec(`unshare -m sh -c ${quote(script)}`);
  t.is(r.exitCode, 0, r.stderr);
  const [probeOut, after] = r.stdout.split('FINISH\n');
  const p = parseRestoreProbe(probeOut!);
  t.like(p, { mountPoint: true, dataDir: 'nonempty', dataDirKept: 'empty', dataStageInside: 'absent' });
  t.is(restoreRefusal({ ...m, mountPoint: true }, p), undefined);
  t.deepEqual(after!.trim().split('\n'), ['.', './.pre-restore-run42', './.pre-restore-run42/member', './lost+found', './member', './member/snap', '700']);
});
