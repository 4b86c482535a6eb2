/**
 * Parse a YAML file the way Ansible reads it, keeping node positions so every later
 * complaint (a bad group, a host that is not a mapping) can point at file:line:col.
 */
import { LineCounter, parseDocument, isNode, type Document, type Node } from 'yaml';
import { ConfigError, type ConfigProblem, type SourceLocation } from '../errors.js';
import type { VaultKeyring } from '../vault/keyring.js';
import { openVaultFile } from '../vault/vault-file.js';
import { openVaultValues } from '../vault/yaml-values.js';
import { ansibleYamlTags } from './ansible-yaml-schema.js';

export interface YamlFile {
  file: string;
  doc: Document.Parsed;
  /** 1-based position of a node (or of the file's start when the node has no range) */
  locOf(node: unknown): SourceLocation;
  /** plain JS value of a node (aliases and merge keys resolved) */
  toJS(node: unknown): unknown;
}

export interface ParseYamlOptions {
  /** passwords for a file encrypted whole and for `!vault` values; without them both are errors */
  vault?: VaultKeyring;
  /**
   * a file encrypted whole: every value in it is a secret (true for vars files); an inventory
   * file keeps its host and group names visible, and its caller reveals its variables
   */
  revealEncryptedFile?: boolean;
}

export function parseYamlFile(source: string, file: string, opts: ParseYamlOptions = {}): YamlFile {
  const { text, encrypted } = openVaultFile(source, file, opts.vault);
  const lines = new LineCounter();
  const doc = parseDocument(text, {
    version: '1.1',
    customTags: ansibleYamlTags,
    lineCounter: lines,
    // PyYAML keeps the last of duplicate keys; so do we
    uniqueKeys: false,
    merge: true,
    prettyErrors: false,
  });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      doc.errors.map((e): ConfigProblem => {
        const pos = e.linePos?.[0] ?? lines.linePos(e.pos[0]);
        return {
          message: `YAML syntax error: ${e.message.split('\n')[0]}`,
          loc: { file, line: pos.line, col: pos.col },
          hint: yamlHint(e.code),
        };
      }),
    );
  }
  const locOf = (node: unknown): SourceLocation => {
    const range = isNode(node) ? node.range : undefined;
    const pos = range ? lines.linePos(range[0]) : { line: 1, col: 1 };
    return { file, line: pos.line, col: pos.col };
  };
  const vaultProblems = openVaultValues(doc, locOf, opts.vault);
  if (vaultProblems.length > 0) throw new ConfigError(vaultProblems);
  if (encrypted && opts.revealEncryptedFile !== false) opts.vault?.reveal(doc.toJS({ maxAliasCount: 1000 }));
  return {
    file,
    doc,
    locOf,
    toJS: (node) => (isNode(node) ? (node as Node).toJS(doc, { maxAliasCount: 1000 }) : node ?? null),
  };
}

function yamlHint(code: string): string {
  switch (code) {
    case 'BAD_INDENT':
    case 'MISSING_CHAR':
      return 'check the indentation and that brackets and quotes are closed';
    case 'TAB_AS_INDENT':
      return 'indent with spaces, not tabs';
    case 'DUPLICATE_KEY':
      return 'a key appears twice in the same mapping';
    default:
      return 'check the YAML syntax near this position';
  }
}
