import test from 'ava';
import { loadInputs } from '../../../src/cli/load-inputs.js';
import { planPlaybook } from '../../../src/engine/plan.js';

// restore-etcd.yaml is one file for both kinds of member: the kubeadm example inventory used to
// fail validation ("undefined variable etcd_service") before anything could be planned

async function planOf(inventory: string, vars: string[]) {
  const inputs = await loadInputs('playbooks/restore-etcd.yaml', [inventory], vars);
  const [play] = await planPlaybook(inputs.playbook, inputs.inventory, inputs.extraVars, { tags: [], skipTags: [] });
  return play!;
}

test('the kubeadm inventory plans a restore with static-pod stops and the API server parked', async (t) => {
  const play = await planOf('inventory/kubeadm-cluster/hosts.ini', ['snapshot=/var/backups/etcd/x.db', 'stop_writers=true']);
  t.deepEqual(play.hosts, ['node1', 'node2', 'node3']);
  const steps = play.steps.node1!;
  const action = (name: RegExp) => steps.find((s) => name.test(s.task))?.action ?? '';
  t.is(action(/^Stop etcd on the followers/), 'park etcd_manifest outside the manifests dir; wait until no process holds etcd_data_dir');
  t.is(action(/^Start etcd on every member/), 'put etcd_manifest back in the manifests dir');
  t.is(
    action(/^Stop the API server's static pod/),
    'mv /etc/kubernetes/manifests/kube-apiserver.yaml /etc/kubernetes/manifests-parked/kube-apiserver.yaml, wait until its process is gone',
  );
  t.false(steps.some((s) => /systemctl (stop|start) etcd/.test(s.action)), 'no systemctl for etcd on a static pod');
});

test('the systemd inventory plans the same file with systemctl', async (t) => {
  const play = await planOf('inventory/systemd-cluster/hosts.yaml', ['snapshot=/var/backups/etcd/x.db']);
  const steps = play.steps.etcd1!;
  t.is(steps.find((s) => /^Stop etcd on the leader/.test(s.task))?.action, 'systemctl stop etcd_service; wait until no process holds etcd_data_dir');
});
