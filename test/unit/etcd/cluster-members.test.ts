import test from 'ava';
import { inventoryHostOfMember, inventoryMemberHosts, memberHost } from '../../../src/etcd/context.js';
import { findMember } from '../../../src/etcd/member-lookup.js';
import { fakeContext, ScriptedTransport } from './fake-host.js';

const hosts = {
  node1: { etcd_name: 'etcd1', ansible_host: '10.0.0.1' },
  node2: { etcd_name: 'etcd2', ansible_host: '10.0.0.2' },
  node3: { etcd_name: 'etcd3', ansible_host: '10.0.0.3' },
  web1: {},
};

test('members default to the etcd group', (t) => {
  const ctx = fakeContext(new ScriptedTransport('node1'), { hosts, groups: { etcd: ['node1', 'node2', 'node3'] } });
  t.deepEqual(inventoryMemberHosts(ctx), ['node1', 'node2', 'node3']);
});

test('members as a group, a list, or a comma list', (t) => {
  const ctx = fakeContext(new ScriptedTransport('node1'), { hosts, groups: { etcd: ['node1', 'node2', 'node3'], dr: ['node3'] } });
  t.deepEqual(inventoryMemberHosts(ctx, 'dr'), ['node3']);
  t.deepEqual(inventoryMemberHosts(ctx, ['node2', 'node1']), ['node2', 'node1']);
  t.deepEqual(inventoryMemberHosts(ctx, 'node1, node2'), ['node1', 'node2']);
  t.throws(() => inventoryMemberHosts(ctx, 'node1,nodeX'), { message: /nodeX is neither a group nor a host/ });
});

test('without an etcd group: the play hosts, else a clear error', (t) => {
  const ctx = fakeContext(new ScriptedTransport('node1'), { hosts, groups: { masters: ['node1'] } });
  t.throws(() => inventoryMemberHosts(ctx), { message: /no etcd group/ });
  ctx.vars.ansible_play_hosts_all = ['node1', 'node2'];
  t.deepEqual(inventoryMemberHosts(ctx), ['node1', 'node2']);
});

test('API members are matched to inventory hosts by name, then by URL', (t) => {
  const ctx = fakeContext(new ScriptedTransport('node1'), { hosts });
  const all = ['node1', 'node2', 'node3'];
  t.is(inventoryHostOfMember(ctx, all, { name: 'etcd2', clientUrls: [], peerUrls: [] }), 'node2');
  // an unstarted member has no name yet: its peer URL gives it away
  t.is(inventoryHostOfMember(ctx, all, { name: '', clientUrls: [], peerUrls: ['http://10.0.0.3:2380'] }), 'node3');
  t.is(inventoryHostOfMember(ctx, all, { name: 'etcd9', clientUrls: ['http://10.9.9.9:2379'], peerUrls: [] }), undefined);
});

test('the member a task talks to is the connected host (delegate_to)', (t) => {
  const ctx = fakeContext(new ScriptedTransport('node2'), { hosts });
  ctx.host = 'node3';
  t.is(memberHost(ctx), 'node2');
});

test('findMember by name, id (also in the name field), peer URL', (t) => {
  const members = [
    { id: '8211f1d0f64f3269', name: 'etcd1', peerUrls: ['http://a:2380'], clientUrls: [], isLearner: false, started: true },
    { id: '91bc3c398fb3c146', name: '', peerUrls: ['http://b:2380'], clientUrls: [], isLearner: true, started: false },
  ];
  t.is(findMember(members, { name: 'etcd1' })?.id, '8211f1d0f64f3269');
  t.is(findMember(members, { id: '91BC3C398FB3C146' })?.peerUrls[0], 'http://b:2380');
  t.is(findMember(members, { name: '91bc3c398fb3c146' })?.isLearner, true);
  t.is(findMember(members, { peer_url: 'http://b:2380' })?.id, '91bc3c398fb3c146');
  t.is(findMember(members, { name: 'etcd7' }), undefined);
});
