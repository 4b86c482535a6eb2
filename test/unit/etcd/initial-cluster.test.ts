import test from 'ava';
import { formatInitialCluster, initialClusterAfterAdd, parseInitialCluster } from '../../../src/etcd/initial-cluster.js';

test('formats name=url pairs in order', (t) => {
  t.is(
    formatInitialCluster([
      { name: 'etcd1', peerUrls: ['https://10.0.0.1:2380'] },
      { name: 'etcd2', peerUrls: ['https://10.0.0.2:2380'] },
    ]),
    'etcd1=https://10.0.0.1:2380,etcd2=https://10.0.0.2:2380',
  );
});

test('a member with two peer URLs gets two pairs', (t) => {
  t.is(formatInitialCluster([{ name: 'a', peerUrls: ['http://x:2380', 'http://y:2380'] }]), 'a=http://x:2380,a=http://y:2380');
});

test('refuses names and URLs that would break the flag', (t) => {
  t.throws(() => formatInitialCluster([{ name: 'a,b', peerUrls: ['http://x:2380'] }]), { message: /may not contain/ });
  t.throws(() => formatInitialCluster([{ name: 'a=b', peerUrls: ['http://x:2380'] }]), { message: /may not contain/ });
  t.throws(() => formatInitialCluster([{ name: 'a', peerUrls: ['http://x:2380,y'] }]), { message: /may not contain/ });
  t.throws(() => formatInitialCluster([{ name: '', peerUrls: ['http://x:2380'] }]), { message: /without a name/ });
  t.throws(() => formatInitialCluster([{ name: 'a', peerUrls: [] }]), { message: /no peer URL/ });
});

test('refuses the same peer URL twice', (t) => {
  t.throws(
    () =>
      formatInitialCluster([
        { name: 'a', peerUrls: ['http://x:2380'] },
        { name: 'b', peerUrls: ['http://x:2380'] },
      ]),
    { message: /twice/ },
  );
});

test('parses back, grouping URLs by name', (t) => {
  t.deepEqual(parseInitialCluster('a=u1, b=u2,a=u3'), [
    { name: 'a', peerUrls: ['u1', 'u3'] },
    { name: 'b', peerUrls: ['u2'] },
  ]);
  t.throws(() => parseInitialCluster('a'), { message: /name=peerURL/ });
  t.throws(() => parseInitialCluster('=u'), { message: /name=peerURL/ });
});

test('after member add: started members by name, the new one by the name it will use, unstarted ones left out', (t) => {
  const members = [
    { id: '01', name: 'etcd3', peerUrls: ['http://etcd3.default:2380'] },
    { id: '02', name: 'etcd2', peerUrls: ['http://etcd2.default:2380'] },
    { id: '03', name: '', peerUrls: ['http://etcd1.default:2380'] },
    { id: '04', name: '', peerUrls: ['http://old.default:2380'] },
  ];
  // the output of the seed's `member add etcd1`
  t.is(
    initialClusterAfterAdd(members, '03', 'etcd1'),
    'etcd3=http://etcd3.default:2380,etcd2=http://etcd2.default:2380,etcd1=http://etcd1.default:2380',
  );
});
