import test from 'ava';
import { etcdHostConfig, parseEndpoint } from '../../../src/etcd/host-config.js';

test('systemd-style defaults from the host address', (t) => {
  const c = etcdHostConfig('node1', { ansible_host: '10.0.0.1' });
  t.like(c, {
    host: 'node1',
    name: 'node1',
    peerUrl: 'http://10.0.0.1:2380',
    clientUrl: 'http://10.0.0.1:2379',
    dataDir: '/var/lib/etcd/default',
    service: 'etcd',
    configFile: '/etc/etcd/etcd.conf',
    configStyle: 'env',
    etcdctl: 'etcdctl',
    etcdutl: 'etcdutl',
  });
  t.is(c.tls, undefined);
});

test('kubeadm-style defaults: data dir, certificates, https', (t) => {
  const c = etcdHostConfig('cp1', { ansible_host: '10.0.0.5', etcd_config_style: 'static_pod' });
  t.like(c, {
    dataDir: '/var/lib/etcd',
    manifest: '/etc/kubernetes/manifests/etcd.yaml',
    clientUrl: 'https://10.0.0.5:2379',
    peerUrl: 'https://10.0.0.5:2380',
  });
  t.deepEqual(c.tls, {
    cacert: '/etc/kubernetes/pki/etcd/ca.crt',
    cert: '/etc/kubernetes/pki/etcd/healthcheck-client.crt',
    key: '/etc/kubernetes/pki/etcd/healthcheck-client.key',
  });
});

test('inventory variables win over defaults', (t) => {
  const c = etcdHostConfig('node1', {
    etcd_name: 'etcd1',
    etcd_client_url: 'https://10.1.1.1:2379',
    etcd_peer_url: 'https://10.1.1.1:2380',
    etcd_data_dir: '/data/etcd',
    etcd_cacert: '/etc/etcd/pki/ca.crt',
    etcd_cert: '/etc/etcd/pki/client.crt',
    etcd_key: '/etc/etcd/pki/client.key',
    etcdctl: '/opt/etcd/etcdctl',
    etcd_config_style: 'flags',
  });
  t.like(c, { name: 'etcd1', clientUrl: 'https://10.1.1.1:2379', dataDir: '/data/etcd', etcdctl: '/opt/etcd/etcdctl', configStyle: 'flags' });
  t.deepEqual(c.tls, { cacert: '/etc/etcd/pki/ca.crt', cert: '/etc/etcd/pki/client.crt', key: '/etc/etcd/pki/client.key' });
});

test('a CA alone makes the default URLs https', (t) => {
  t.is(etcdHostConfig('n', { ansible_host: '10.0.0.1', etcd_cacert: '/ca.pem' }).clientUrl, 'https://10.0.0.1:2379');
});

test('IPv6 addresses are bracketed in URLs', (t) => {
  t.is(etcdHostConfig('n', { ansible_host: 'fd00::1' }).clientUrl, 'http://[fd00::1]:2379');
});

test('bad settings are refused with the variable named', (t) => {
  t.throws(() => etcdHostConfig('n', { etcd_config_style: 'docker' }), { message: /etcd_config_style of n/ });
  t.throws(() => etcdHostConfig('n', { etcd_cert: '/c' }), { message: /etcd_cert and etcd_key/ });
  t.throws(() => etcdHostConfig('n', { etcd_name: ['x'] }), { message: /etcd_name must be a string/ });
});

test('parseEndpoint', (t) => {
  t.deepEqual(parseEndpoint('https://10.0.0.1:2379'), { tls: true, host: '10.0.0.1', port: 2379 });
  t.deepEqual(parseEndpoint('http://[::1]:12379'), { tls: false, host: '::1', port: 12379 });
  t.deepEqual(parseEndpoint('http://etcd1.local'), { tls: false, host: 'etcd1.local', port: 2379 });
  t.throws(() => parseEndpoint('10.0.0.1:2379'), { message: /scheme|not a URL/ });
  t.throws(() => parseEndpoint('unix:///run/etcd.sock'), { message: /scheme/ });
});
