/**
 * etcd's errors as an operator needs them: which member, through which host, and what to do.
 *
 *   describeEtcdError(err, 'https://10.0.0.1:2379', 'node1')
 *     -> 'https://10.0.0.1:2379 (via node1): etcdserver: mvcc: database space exceeded
 *         (the NOSPACE alarm is raised: compact, defrag every member, then disarm the alarm)'
 */
const HINTS: Array<[RegExp, string]> = [
  [/database space exceeded|NOSPACE/i, 'the NOSPACE alarm is raised: compact, defrag every member, then disarm the alarm'],
  [/not leader/i, 'the request must go to the leader; check etcd_status for the current leader'],
  [/can only promote a learner member which is in sync/i, 'the learner is still catching up with the leader: retry in a few seconds (retries/delay)'],
  [/not enough started members/i, 'etcd refused a change that could lose quorum: bring the unstarted member back, or remove it first'],
  [
    /unhealthy cluster/i,
    'etcd changes membership only once the leader has been connected to every voting member for 5 s (not just after a leader change or restart); if a member is down, bring it back or remove it first',
  ],
  [/member not found|member ID not found/i, 'no such member: list them with etcd_members'],
  [/peerURL exists|Peer URLs already exists/i, 'a member with this peer URL already exists'],
  [/required revision has been compacted/i, 'that revision is already compacted'],
  [/certificate|SSL|TLS|handshake|self.signed|unable to verify/i, 'check etcd_cacert/etcd_cert/etcd_key and that the server certificate names the address in etcd_client_url'],
  [/deadline exceeded|DEADLINE/i, 'no answer in time: the member may be overloaded, partitioned or without a leader'],
  [/no connection established|ECONNREFUSED|connection refused|Connection dropped|UNAVAILABLE|No connection|socket hang up|forward/i, 'is etcd running and listening on that address? check with systemctl status etcd on the host'],
];

export function etcdErrorHint(message: string): string | undefined {
  return HINTS.find(([re]) => re.test(message))?.[1];
}

export function describeEtcdError(err: unknown, url: string, via: string): string {
  const message = err instanceof Error ? err.message : String(err);
  const hint = etcdErrorHint(message);
  return `${url} (via ${via}): ${message}${hint ? ` (${hint})` : ''}`;
}
