import test from 'ava';
import { chooseOfflineTool, offlineCommand } from '../../../src/etcd/offline-tool.js';
import { compareVersions, parseVersionProbe, versionProbeCommand } from '../../../src/etcd/versions.js';
import { versionProbeOutput } from './fake-host.js';

test('parses what etcd, etcdctl and etcdutl print', (t) => {
  const v = parseVersionProbe(versionProbeOutput({ etcd: '3.5.16', etcdctl: '3.5.16', etcdutl: '3.5.16' }));
  t.deepEqual(v, {
    etcd: { path: '/usr/local/bin/etcd', version: '3.5.16' },
    etcdctl: { path: '/usr/local/bin/etcdctl', version: '3.5.16' },
    etcdutl: { path: '/usr/local/bin/etcdutl', version: '3.5.16' },
  });
});

test('absent tools are left out', (t) => {
  t.deepEqual(parseVersionProbe(versionProbeOutput({ etcdctl: '3.4.23' })), { etcdctl: { path: '/usr/local/bin/etcdctl', version: '3.4.23' } });
  t.deepEqual(parseVersionProbe(''), {});
});

test('the probe quotes configured paths', (t) => {
  const cmd = versionProbeCommand({ etcd: 'etcd', etcdctl: "/opt/my etcd/etcdctl", etcdutl: 'etcdutl;reboot' });
  t.true(cmd.includes("probe etcdctl '/opt/my etcd/etcdctl' version"));
  t.true(cmd.includes("probe etcdutl 'etcdutl;reboot' version"));
});

test('compareVersions is numeric', (t) => {
  t.true(compareVersions('3.5.0', '3.4.23') > 0);
  t.true(compareVersions('3.4.9', '3.4.23') < 0);
  t.is(compareVersions('3.5.0-rc.1', '3.5.0'), 0);
});

test('3.4: etcdctl with ETCDCTL_API=3', (t) => {
  const tool = chooseOfflineTool({ etcdctl: { path: '/usr/bin/etcdctl', version: '3.4.23' } });
  t.is(tool.kind, 'etcdctl');
  t.is(offlineCommand(tool, ['snapshot', 'status', '/tmp/a b.db']), "ETCDCTL_API=3 /usr/bin/etcdctl snapshot status '/tmp/a b.db'");
});

test('3.5+: etcdutl whenever it is there', (t) => {
  const tool = chooseOfflineTool({
    etcdctl: { path: '/usr/bin/etcdctl', version: '3.5.9' },
    etcdutl: { path: '/usr/bin/etcdutl', version: '3.5.9' },
  });
  t.is(tool.kind, 'etcdutl');
  t.is(offlineCommand(tool, ['snapshot', 'status', '/s.db']), '/usr/bin/etcdutl snapshot status /s.db');
});

test('3.5 without etcdutl still works with etcdctl; 3.6 does not', (t) => {
  t.is(chooseOfflineTool({ etcdctl: { path: 'etcdctl', version: '3.5.1' } }).kind, 'etcdctl');
  t.throws(() => chooseOfflineTool({ etcdctl: { path: 'etcdctl', version: '3.6.0' } }, 'node1'), { message: /node1 has etcdctl 3\.6\.0.*install etcdutl/ });
  t.throws(() => chooseOfflineTool({}, 'node1'), { message: /neither etcdutl nor etcdctl/ });
});
