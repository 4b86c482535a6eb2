import test from 'ava';
import { expandHostPattern, expandHostRange, HostRangeError, parseAddress } from '../../../src/inventory/host-range.js';

test('numeric ranges are inclusive', (t) => {
  t.deepEqual(expandHostRange('etcd[1:3].example.com'), ['etcd1.example.com', 'etcd2.example.com', 'etcd3.example.com']);
});

test('a leading zero keeps the width', (t) => {
  t.deepEqual(expandHostRange('node[08:11]'), ['node08', 'node09', 'node10', 'node11']);
  t.deepEqual(expandHostRange('node[001:002]'), ['node001', 'node002']);
});

test('a step skips', (t) => {
  t.deepEqual(expandHostRange('node[1:10:2]'), ['node1', 'node3', 'node5', 'node7', 'node9']);
  t.deepEqual(expandHostRange('node[01:10:3]'), ['node01', 'node04', 'node07', 'node10']);
});

test('letter ranges, and Ansible letter order a..z then A..Z', (t) => {
  t.deepEqual(expandHostRange('rack-[a:c]'), ['rack-a', 'rack-b', 'rack-c']);
  t.deepEqual(expandHostRange('x[y:B]'), ['xy', 'xz', 'xA', 'xB']);
});

test('several ranges multiply, left range outermost', (t) => {
  t.deepEqual(expandHostRange('db[01:02]-[a:b]'), ['db01-a', 'db01-b', 'db02-a', 'db02-b']);
});

test('an empty begin means 0', (t) => {
  t.deepEqual(expandHostRange('h[:2]'), ['h0', 'h1', 'h2']);
});

test('ranges in IPv4 addresses', (t) => {
  t.deepEqual(expandHostPattern('192.0.2.[1:3]').hosts, ['192.0.2.1', '192.0.2.2', '192.0.2.3']);
});

test('host:port and [v6]:port', (t) => {
  t.deepEqual(expandHostPattern('node[1:2]:2222'), { hosts: ['node1', 'node2'], port: 2222 });
  t.deepEqual(expandHostPattern('[2001:db8::1]:22'), { hosts: ['2001:db8::1'], port: 22 });
  t.deepEqual(expandHostPattern('2001:db8::1'), { hosts: ['2001:db8::1'], port: undefined });
  t.deepEqual(parseAddress('jump.example.com:2200'), { host: 'jump.example.com', port: 2200 });
  t.is(parseAddress('not valid!'), undefined);
});

test('host names in any script, as Ansible allows; the same rules for ASCII and non-ASCII names', (t) => {
  t.deepEqual(parseAddress('bücher-1.example.de:22'), { host: 'bücher-1.example.de', port: 22 });
  t.deepEqual(parseAddress('узел_2'), { host: 'узел_2', port: undefined });
  t.deepEqual(parseAddress('Node_2.Example'), { host: 'Node_2.Example', port: undefined });
  for (const bad of ['node-', 'node_', '-node', 'a..b', 'nö de', 'узел-', 'ノード!']) t.is(parseAddress(bad), undefined, bad);
});

const bad: [string, RegExp, number][] = [
  ['node[1:3', /no closing/, 4],
  ['node[1]', /begin:end/, 4],
  ['node[1:]', /no end/, 4],
  ['node[3:1]', /begin <= end/, 4],
  ['node[c:a]', /begin <= end/, 4],
  ['node[01:100]', /same number of digits/, 4],
  ['node[1:2:0]', /bad step/, 4],
  ['node[aa:ab]', /numbers or single letters/, 4],
  ['x[1:2]-y[5:1]', /begin <= end/, 8],
];
for (const [pattern, message, offset] of bad) {
  test(`bad range ${pattern}`, (t) => {
    const err = t.throws(() => expandHostRange(pattern), { instanceOf: HostRangeError });
    t.regex(err!.message, message);
    t.is(err!.offset, offset);
  });
}
