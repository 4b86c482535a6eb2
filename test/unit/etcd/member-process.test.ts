import test from 'ava';
import { goneReason, parseMemberProcess } from '../../../src/etcd/member-process.js';

const c = { dataDir: '/var/lib/etcd/default', manifest: '/etc/kubernetes/manifests/etcd.yaml', service: 'etcd' };

test('a stopped unit with no process and no manifest is gone for good', (t) => {
  const p = parseMemberProcess('unit=inactive\nmanifest=no\nusers=0\nnamed=0\n');
  t.deepEqual(p, { unit: 'inactive', manifest: false, users: 0, named: 0 });
  t.regex(goneReason(p, c) ?? '', /^no etcd process has \/var\/lib\/etcd\/default open, etcd is inactive, and no static pod manifest .*: nothing will start it again$/);
  t.truthy(goneReason(parseMemberProcess('unit=failed\nmanifest=no\nusers=0\nnamed=0'), c));
});

test('not gone: a process holds the data dir, the unit is between restarts, or the kubelet has a manifest', (t) => {
  t.is(goneReason(parseMemberProcess('unit=inactive\nmanifest=no\nusers=1\nnamed=1'), c), undefined, 'etcd started by hand still runs');
  t.is(goneReason(parseMemberProcess('unit=activating\nmanifest=no\nusers=0\nnamed=0'), c), undefined, 'Restart= will start it again');
  t.is(goneReason(parseMemberProcess('unit=\nmanifest=yes\nusers=0\nnamed=0'), c), undefined, 'the kubelet will start the static pod again');
});

test('without root (/proc unreadable) a process named etcd is the evidence', (t) => {
  t.is(goneReason(parseMemberProcess('unit=failed\nmanifest=no\nusers=unknown\nnamed=1'), c), undefined);
  t.truthy(goneReason(parseMemberProcess('unit=failed\nmanifest=no\nusers=unknown\nnamed=0'), c));
});
