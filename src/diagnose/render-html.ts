/**
 * `--html FILE`: one self-contained page (no script, no external file) with the findings, the
 * member table and, per member, inline SVG charts: the window's wal_fsync and backend_commit
 * latency histograms, leader changes in the window, and the db size against the quota.
 */
import { memberRow } from './render-text.js';
import type { DiagnoseReport, Histogram, MemberReport } from './types.js';

export function esc(s: unknown): string {
  return String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const W = 360;
const H = 140;

/** per-bucket counts (not cumulative) of a histogram, labelled by upper bound in ms */
export function bucketBars(h: Histogram | undefined): Array<{ label: string; count: number }> {
  if (!h) return [];
  let prev = 0;
  return h.buckets.map((b) => {
    const c = b.count - prev;
    prev = b.count;
    return { label: b.le === Infinity ? '+Inf' : `${+(b.le * 1000).toPrecision(3)}`, count: c };
  });
}

function histogramSvg(title: string, h: Histogram | undefined, p99: number | null, kind: string): string {
  const bars = bucketBars(h);
  const max = Math.max(1, ...bars.map((b) => b.count));
  const bw = bars.length ? (W - 40) / bars.length : 0;
  const rects = bars
    .map((b, i) => {
      const bh = ((H - 40) * b.count) / max;
      const x = 30 + i * bw;
      return `<rect x="${x.toFixed(1)}" y="${(H - 25 - bh).toFixed(1)}" width="${Math.max(1, bw - 2).toFixed(1)}" height="${bh.toFixed(1)}" fill="#3b7dd8"><title>&lt;= ${esc(b.label)} ms: ${b.count}</title></rect>` +
        (i % 3 === 0 ? `<text x="${x.toFixed(1)}" y="${H - 12}" font-size="8">${esc(b.label)}</text>` : '');
    })
    .join('');
  const note = bars.length ? `p99 ${p99 ?? '-'} ms, ${h!.count} in window` : 'no data';
  return `<svg class="chart" data-chart="${kind}" xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" role="img" aria-label="${esc(title)}">
<text x="4" y="12" font-size="11" font-weight="bold">${esc(title)}</text><text x="${W - 4}" y="12" font-size="10" text-anchor="end">${esc(note)}</text>
<line x1="28" y1="${H - 25}" x2="${W - 8}" y2="${H - 25}" stroke="#888"/>${rects}<text x="${W - 8}" y="${H - 2}" font-size="8" text-anchor="end">bucket upper bound, ms</text></svg>`;
}

function leaderSvg(m: MemberReport): string {
  const n = m.metrics?.leaderChanges ?? 0;
  const term = m.status.first && m.status.second ? m.status.second.raftTerm - m.status.first.raftTerm : null;
  const bar = (label: string, v: number | null, y: number) => {
    const w = v === null ? 0 : Math.min(W - 150, 20 + v * 30);
    return `<text x="4" y="${y + 12}" font-size="10">${esc(label)}</text><rect x="120" y="${y}" width="${v ? w : 2}" height="16" fill="${v ? '#d8493b' : '#3bb273'}"/><text x="${126 + (v ? w : 2)}" y="${y + 12}" font-size="10">${v ?? '-'}</text>`;
  };
  return `<svg class="chart" data-chart="leader" xmlns="http://www.w3.org/2000/svg" width="${W}" height="70" viewBox="0 0 ${W} 70" role="img" aria-label="leader changes">
<text x="4" y="12" font-size="11" font-weight="bold">leader changes in the window</text>${bar('leader changes', m.metrics ? n : null, 20)}${bar('raft term growth', term, 44)}</svg>`;
}

function dbSvg(m: MemberReport): string {
  const s = m.status.second ?? m.status.first;
  const quota = m.metrics?.quotaBytes ?? 2 * 1024 ** 3;
  const used = s ? Math.min(1, s.dbSize / quota) : 0;
  const inUse = s ? Math.min(1, s.dbSizeInUse / quota) : 0;
  const bw = W - 20;
  const color = used >= 0.95 ? '#d8493b' : used >= 0.8 ? '#e0a030' : '#3bb273';
  const label = s ? `${(s.dbSize / 1024 ** 2).toFixed(1)} MiB of ${(quota / 1024 ** 2).toFixed(0)} MiB (${(used * 100).toFixed(1)} %), in use ${(s.dbSizeInUse / 1024 ** 2).toFixed(1)} MiB` : 'no status';
  return `<svg class="chart" data-chart="db" xmlns="http://www.w3.org/2000/svg" width="${W}" height="60" viewBox="0 0 ${W} 60" role="img" aria-label="db size against quota">
<text x="4" y="12" font-size="11" font-weight="bold">db size against the quota</text>
<rect x="10" y="20" width="${bw}" height="18" fill="#eee" stroke="#aaa"/><rect x="10" y="20" width="${(bw * used).toFixed(1)}" height="18" fill="${color}"/><rect x="10" y="34" width="${(bw * inUse).toFixed(1)}" height="4" fill="#555"/>
<text x="10" y="52" font-size="10">${esc(label)}</text></svg>`;
}

export function renderHtml(r: DiagnoseReport): string {
  const rows = r.members.map((m) => memberRow(m, r.cluster.leaderId));
  const cols = rows.length ? Object.keys(rows[0]!) : [];
  const findings = r.findings.length
    ? r.findings
        .map(
          (f) => `<section class="finding ${f.severity}" data-finding="${esc(f.id)}" data-severity="${f.severity}">
<h3><span class="sev">${esc(f.severity.toUpperCase())}</span> ${esc(f.title)}</h3>
<p class="members">members: ${esc(f.members.join(', ') || 'cluster')}</p>
<table class="evidence">${Object.entries(f.evidence)
            .map(([h, ev]) => `<tr><th>${esc(h)}</th><td>${Object.entries(ev).map(([k, v]) => `${esc(k)}=<b>${esc(v ?? '-')}</b>`).join(' &nbsp; ')}</td></tr>`)
            .join('')}</table>
<p><b>Probable cause:</b> ${esc(f.probableCause)}</p>
<p><b>Action:</b> ${esc(f.action.text)}</p>${f.action.command ? `<pre>${esc(f.action.command)}</pre>` : ''}
</section>`,
        )
        .join('\n')
    : '<p class="healthy">No findings.</p>';
  const charts = r.members
    .map(
      (m) => `<section class="member" data-member="${esc(m.host)}"><h3>${esc(m.host)} <small>${esc(m.name)} · ${esc(m.address)}</small></h3>
<div class="charts">${histogramSvg('wal_fsync latency', m.metrics?.walFsync, m.metrics?.walFsyncP99Ms ?? null, 'wal_fsync')}${histogramSvg('backend_commit latency', m.metrics?.backendCommit, m.metrics?.backendCommitP99Ms ?? null, 'backend_commit')}${leaderSvg(m)}${dbSvg(m)}</div>
${m.errors.length ? `<p class="errors">could not read: ${esc(m.errors.join('; '))}</p>` : ''}</section>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>etcd diagnosis: ${esc(r.status)}</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#222}
.status{padding:.6em 1em;border-radius:4px;font-weight:bold}
.status.healthy{background:#dff3e4}.status.warnings{background:#fdf1d6}.status.critical{background:#fadbd8}
.finding{border-left:5px solid #999;padding:.2em 1em;margin:1em 0;background:#fafafa}
.finding.critical{border-color:#d8493b}.finding.warning{border-color:#e0a030}.finding.info{border-color:#3b7dd8}
table{border-collapse:collapse}td,th{padding:2px 8px;border-bottom:1px solid #ddd;text-align:left;font-size:13px}
pre{background:#272822;color:#f8f8f2;padding:.5em;overflow-x:auto}
.charts{display:flex;flex-wrap:wrap;gap:12px}.chart{border:1px solid #ddd;background:#fff}
</style></head><body>
<h1>etcd diagnosis</h1>
<p class="status ${esc(r.status)}" id="summary">${esc(r.summary)}</p>
<p>${esc(r.startedAt)} · window ${r.windowMs / 1000} s · ${r.members.length} member(s) · cluster ${esc(r.cluster.clusterId ?? '?')} · exit code ${r.exitCode}</p>
<h2>Findings</h2>
${findings}
<h2>Members</h2>
<table id="members"><tr>${cols.map((c) => `<th>${esc(c)}</th>`).join('')}</tr>${rows.map((row) => `<tr>${cols.map((c) => `<td>${esc(row[c])}</td>`).join('')}</tr>`).join('')}</table>
<h2>Per member</h2>
${charts}
</body></html>
`;
}
