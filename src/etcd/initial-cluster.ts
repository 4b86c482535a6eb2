/**
 * The `--initial-cluster` value: `name=peerURL` pairs, comma separated, one pair per peer URL.
 *
 *   formatInitialCluster([{name: 'etcd1', peerUrls: ['https://10.0.0.1:2380']}, ...])
 *     -> 'etcd1=https://10.0.0.1:2380,etcd2=...'
 */
export interface ClusterPeer {
  name: string;
  peerUrls: readonly string[];
}

export function formatInitialCluster(peers: readonly ClusterPeer[]): string {
  const seen = new Set<string>();
  const pairs: string[] = [];
  for (const p of peers) {
    if (p.name === '') throw new Error('a member without a name cannot be in --initial-cluster');
    if (/[,=\s]/.test(p.name)) throw new Error(`member name ${JSON.stringify(p.name)} may not contain ',', '=' or spaces`);
    if (p.peerUrls.length === 0) throw new Error(`member ${p.name} has no peer URL`);
    for (const url of p.peerUrls) {
      if (/[,\s]/.test(url)) throw new Error(`peer URL ${JSON.stringify(url)} of ${p.name} may not contain ',' or spaces`);
      if (seen.has(url)) throw new Error(`peer URL ${url} appears twice in the initial cluster`);
      seen.add(url);
      pairs.push(`${p.name}=${url}`);
    }
  }
  return pairs.join(',');
}

/** 'a=u1,b=u2,a=u3' -> [{name: 'a', peerUrls: ['u1', 'u3']}, {name: 'b', peerUrls: ['u2']}] */
export function parseInitialCluster(value: string): ClusterPeer[] {
  const byName = new Map<string, string[]>();
  for (const pair of value.split(',')) {
    const trimmed = pair.trim();
    if (trimmed === '') continue;
    const eq = trimmed.indexOf('=');
    if (eq <= 0 || eq === trimmed.length - 1) throw new Error(`bad initial-cluster entry ${JSON.stringify(trimmed)}: expected name=peerURL`);
    const name = trimmed.slice(0, eq);
    const urls = byName.get(name) ?? [];
    urls.push(trimmed.slice(eq + 1));
    byName.set(name, urls);
  }
  return [...byName].map(([name, peerUrls]) => ({ name, peerUrls }));
}

export interface ApiMember {
  id: string;
  name: string;
  peerUrls: readonly string[];
}

/**
 * What `etcdctl member add` prints as ETCD_INITIAL_CLUSTER: every member that has a name
 * (started members), plus the new one under the name it is going to use. Members still
 * unstarted have no name yet and are left out, as etcdctl does.
 */
export function initialClusterAfterAdd(members: readonly ApiMember[], newId: string, newName: string): string {
  const peers: ClusterPeer[] = [];
  for (const m of members) {
    const name = m.id === newId ? newName : m.name;
    if (name === '') continue;
    peers.push({ name, peerUrls: m.peerUrls });
  }
  return formatInitialCluster(peers);
}
