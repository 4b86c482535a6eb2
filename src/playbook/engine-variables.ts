/**
 * Host variables the engine and the etcd modules read by name, outside any template: where a
 * member keeps its data, certificates and configuration (src/etcd/host-config.ts), and the
 * connection settings. An `-e` of one of these names is read even when no template of the
 * playbook mentions it. Every `ansible_*` name is Ansible's own (connection, become, magic
 * variables) and counts as read as well.
 */
export const ENGINE_READ_VARIABLES: readonly string[] = [
  'etcd_binary',
  'etcd_cacert',
  'etcd_cert',
  'etcd_client_url',
  'etcd_cluster_name',
  'etcd_config_file',
  'etcd_config_style',
  'etcd_data_dir',
  'etcd_key',
  'etcd_log_file',
  'etcd_manifest',
  'etcd_name',
  'etcd_peer_url',
  'etcd_service',
  'etcd_unit_file',
  'etcd_wal_dir',
  'etcdctl',
  'etcdutl',
];

export function isEngineReadVariable(name: string): boolean {
  return name.startsWith('ansible_') || ENGINE_READ_VARIABLES.includes(name);
}
