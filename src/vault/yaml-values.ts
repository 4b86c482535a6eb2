/**
 * `!vault` values inside a parsed YAML document (`api_token: !vault | $ANSIBLE_VAULT;1.2;...`),
 * replaced in place by their plaintext, which is always a string as in Ansible. Without the
 * password, or with a wrong one, each such value is a problem at its key's position.
 */
import { isPair, isScalar, visit, type Document } from 'yaml';
import { ConfigError, type ConfigProblem, type SourceLocation } from '../errors.js';
import { VaultValue } from '../inventory/ansible-yaml-schema.js';
import { VaultKeyring } from './keyring.js';

export function openVaultValues(doc: Document, locOf: (node: unknown) => SourceLocation, vault: VaultKeyring | undefined): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  visit(doc, {
    Scalar(_key, node, path) {
      if (!(node.value instanceof VaultValue)) return;
      // the block scalar itself starts after `!vault |`; its key is where the eye goes
      const parent = path[path.length - 1];
      const keyNode = isPair(parent) ? parent.key : undefined;
      const loc = locOf(keyNode ?? node);
      const name = isScalar(keyNode) ? `\`${String(keyNode.value)}\`` : 'this value';
      try {
        const keyring = vault ?? new VaultKeyring();
        const plain = keyring.decrypt(node.value.ciphertext, loc, `${name} (\`!vault\`)`);
        keyring.reveal(plain);
        node.value = plain;
      } catch (e) {
        if (!(e instanceof ConfigError)) throw e;
        problems.push(...e.problems);
      }
    },
  });
  return problems;
}
