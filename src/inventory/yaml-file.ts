/**
 * Parse a YAML file the way Ansible reads it, keeping node positions so every later
 * complaint (a bad group, a host that is not a mapping) can point at file:line:col.
 */
import { LineCounter, parseDocument, isNode, isPair, visit, type Document, type Node } from 'yaml';
import { ConfigError, type ConfigProblem, type SourceLocation } from '../errors.js';
import { ansibleYamlTags, VaultValue } from './ansible-yaml-schema.js';

export interface YamlFile {
  file: string;
  doc: Document.Parsed;
  /** 1-based position of a node (or of the file's start when the node has no range) */
  locOf(node: unknown): SourceLocation;
  /** plain JS value of a node (aliases and merge keys resolved) */
  toJS(node: unknown): unknown;
}

export function parseYamlFile(text: string, file: string): YamlFile {
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
  refuseVault(doc, locOf);
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

/** A `!vault` value cannot be used, and failing later without a position would be worse. */
function refuseVault(doc: Document.Parsed, locOf: (node: unknown) => SourceLocation): void {
  const problems: ConfigProblem[] = [];
  visit(doc, {
    Scalar(_key, node, path) {
      if (node.value instanceof VaultValue) {
        // the block scalar itself starts after `!vault |`; its key is where the eye goes
        const parent = path[path.length - 1];
        problems.push({
          message: 'this value is encrypted with ansible-vault (`!vault`), which runbook cannot decrypt',
          loc: locOf(isPair(parent) ? parent.key : node),
          hint: 'decrypt it into a vars file only the operator can read and pass it with -e @FILE',
        });
      }
    },
  });
  if (problems.length > 0) throw new ConfigError(problems);
}

/** `$ANSIBLE_VAULT;1.1;AES256` at the top of a file encrypted whole by ansible-vault */
export function isVaultFile(text: string): boolean {
  return text.startsWith('$ANSIBLE_VAULT;');
}
