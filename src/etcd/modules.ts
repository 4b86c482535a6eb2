/**
 * The etcd modules; src/modules/registry.ts lists them with the generic ones.
 * Online ones talk to a member with the etcd3 client over the host's SSH connection
 * (client.ts); offline ones (snapshot status/restore) run etcdutl/etcdctl on the host.
 */
import type { Module } from '../modules/types.js';
import { etcdAlarm } from './modules/etcd-alarm.js';
import { etcdCompact } from './modules/etcd-compact.js';
import { etcdDefrag } from './modules/etcd-defrag.js';
import { etcdGet } from './modules/etcd-get.js';
import { etcdHealth } from './modules/etcd-health.js';
import { etcdMemberAdd } from './modules/etcd-member-add.js';
import { etcdMemberPromote } from './modules/etcd-member-promote.js';
import { etcdMemberRemove } from './modules/etcd-member-remove.js';
import { etcdMembers } from './modules/etcd-members.js';
import { etcdMoveLeader } from './modules/etcd-move-leader.js';
import { etcdDataAside } from './modules/etcd-data-aside.js';
import { etcdDataDirInfo } from './modules/etcd-data-dir-info.js';
import { etcdProcess } from './modules/etcd-process.js';
import { etcdPut } from './modules/etcd-put.js';
import { etcdSnapshotRestore } from './modules/etcd-snapshot-restore.js';
import { etcdSnapshotSave } from './modules/etcd-snapshot-save.js';
import { etcdSnapshotStatus } from './modules/etcd-snapshot-status.js';
import { etcdStatus } from './modules/etcd-status.js';
import { etcdVersion } from './modules/etcd-version.js';
import { etcdWaitHealthy } from './modules/etcd-wait-healthy.js';
import { etcdConfig } from './modules/etcd-config.js';
import { etcdConfigRead } from './modules/etcd-config-read.js';
import { etcdDelete } from './modules/etcd-delete.js';
import { etcdQuorumCheck } from './modules/etcd-quorum-check.js';
import { etcdMembersInRun } from './modules/etcd-members-in-run.js';
import { etcdQuotaCheck } from './modules/etcd-quota-check.js';
import { etcdRunningConfig } from './modules/etcd-running-config.js';

export const etcdModules: Module[] = [
  etcdStatus,
  etcdMembers,
  etcdHealth,
  etcdWaitHealthy,
  etcdVersion,
  etcdGet,
  etcdPut,
  etcdSnapshotSave,
  etcdSnapshotStatus,
  etcdSnapshotRestore,
  etcdMemberAdd,
  etcdMemberRemove,
  etcdMemberPromote,
  etcdCompact,
  etcdDefrag,
  etcdAlarm,
  etcdMoveLeader,
  etcdConfig,
  etcdConfigRead,
  etcdRunningConfig,
  etcdQuorumCheck,
  etcdMembersInRun,
  etcdQuotaCheck,
  etcdDelete,
  etcdProcess,
  etcdDataAside,
  etcdDataDirInfo,
];

export { closeEtcdClients } from './client.js';
