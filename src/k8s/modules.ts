/**
 * The Kubernetes-node modules (static pod flags, a running component's flags, YAML config
 * files); src/modules/registry.ts lists them with the generic and etcd ones.
 */
import type { Module } from '../modules/types.js';
import { processFlags } from './modules/process-flags.js';
import { staticPodFlags } from './modules/static-pod-flags.js';
import { staticPodFlagsRead } from './modules/static-pod-flags-read.js';
import { yamlSet } from './modules/yaml-set.js';

export const k8sModules: Module[] = [processFlags, staticPodFlags, staticPodFlagsRead, yamlSet];
