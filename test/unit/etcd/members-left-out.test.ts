import test from 'ava';
import type { MemberInfo } from '../../../src/etcd/cluster-info.js';
import { leftOutMessage, membersLeftOut, type RunHost } from '../../../src/etcd/members-left-out.js';

function member(name: string, over: Partial<MemberInfo> = {}): MemberInfo {
  return { id: `${name}00000000000000`.slice(0, 16), name, peerUrls: [`http://${name}:2380`], clientUrls: [`http://${name}:2379`], isLearner: false, started: true, ...over };
}

function host(name: string): RunHost {
  return { host: name, name, peerUrl: `http://${name}:2380` };
}

const cluster = [member('node1'), member('node2'), member('node3')];

test('every member is a host of the run: nothing left out', (t) => {
  t.deepEqual(membersLeftOut(cluster, [host('node1'), host('node2'), host('node3')], []), []);
});

test('--limit node1: node2 and node3 are left out, known as inventory hosts', (t) => {
  const out = membersLeftOut(cluster, [host('node1')], [host('node2'), host('node3')]);
  t.deepEqual(out.map((l) => [l.member.name, l.host]), [['node2', 'node2'], ['node3', 'node3']]);
  const msg = leftOutMessage(out, 3, 'node1', 'every member must take part');
  t.regex(msg, /has 3 members \(as node1 answers\) and this run leaves out 2/);
  t.regex(msg, /node2 \[node2 \(http:\/\/node2:2380\)\], node3 \[node3 \(http:\/\/node3:2380\)\] are in the inventory but not in this run/);
  t.regex(msg, /run without --limit/);
  t.notRegex(msg, /add every member to the inventory/);
});

test('an inventory without node3: node3 is not in the inventory, and the message says to add it', (t) => {
  const out = membersLeftOut(cluster, [host('node1'), host('node2')], []);
  t.deepEqual(out.map((l) => [l.member.name, l.host]), [['node3', undefined]]);
  const msg = leftOutMessage(out, 3, 'node2', 'x');
  t.regex(msg, /node3 \(http:\/\/node3:2380\) is not in the inventory/);
  t.regex(msg, /add every member to the inventory with its etcd_name and etcd_peer_url/);
  t.notRegex(msg, /--limit/);
});

test('a member is matched by peer URL when its name differs, and an unstarted member (no name yet) too', (t) => {
  const members = [member('etcd-a', { peerUrls: ['http://node1:2380'] }), member('', { id: 'abcdef0123456789', peerUrls: ['http://node4:2380'], started: false })];
  t.deepEqual(membersLeftOut(members, [host('node1'), host('node4')], []), []);
  const out = membersLeftOut(members, [host('node1')], []);
  t.is(out.length, 1);
  t.regex(leftOutMessage(out, 2, 'node1', 'x'), /unstarted member abcdef0123456789 \(http:\/\/node4:2380\)/);
});
