import test from 'ava';
import { etcdDelete } from '../../../src/etcd/modules/etcd-delete.js';

test('one key, or a prefix', (t) => {
  t.like(etcdDelete.schema.parse({ key: '/runbook/probe' }), { key: '/runbook/probe', prefix: false });
  t.like(etcdDelete.schema.parse({ key: '/runbook/', prefix: true }), { prefix: true });
  t.is(etcdDelete.describe(etcdDelete.schema.parse({ key: '/runbook/', prefix: true })), 'etcd del /runbook/ --prefix');
});

test('an empty key, and a prefix that is (nearly) the whole keyspace, are refused before anything connects', (t) => {
  t.false(etcdDelete.schema.safeParse({ key: '' }).success);
  const r = etcdDelete.schema.safeParse({ key: '/', prefix: true });
  t.false(r.success);
  t.regex(JSON.stringify(r.error?.issues), /would delete \(nearly\) every key/);
});

test('it changes the cluster: not allowed in preflight', (t) => {
  t.false(etcdDelete.readOnly);
});
