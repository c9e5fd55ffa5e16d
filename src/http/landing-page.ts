// The live page at /: what is leaking, how close the host is to running out of PIDs, PID 1, the last hour; it
// refreshes itself in place and loads nothing from anywhere else.

import type { HistoryPoints } from '../snapshot/history.js';
import type { Snapshot } from '../snapshot/snapshot.js';
import { escapeHtml } from './escape-html.js';
import type { Health } from './health.js';
import { PAGE_SCRIPT, PAGE_STYLE } from './page-assets.js';
import { renderCharts, renderParents, renderSummary } from './page-sections.js';

export interface LandingPageInput {
  version: string;
  telemetryPath: string;
  snapshot: Snapshot | undefined;
  history: HistoryPoints;
  health: Health;
  /** How often the page fetches itself again. */
  refreshMs: number;
}

function title(s: Snapshot | undefined): string {
  if (s === undefined) return 'zombie-exporter: waiting for the first sample';
  const pids = s.pids.usage === null ? 'PID usage unknown' : `PIDs ${(100 * s.pids.usage).toFixed(1)}%`;
  return `zombie-exporter: ${s.zombies.total} ${s.zombies.total === 1 ? 'zombie' : 'zombies'}, ${pids}`;
}

export function renderLandingPage({
  version,
  telemetryPath,
  snapshot,
  history,
  health,
  refreshMs,
}: LandingPageInput): string {
  const path = escapeHtml(telemetryPath);
  const s = snapshot;
  const body =
    s === undefined
      ? '<p>Waiting for the first sample.</p>'
      : `${renderSummary(s)}
${renderCharts(s, history)}
${renderParents(s)}
<p class="meta">Sample taken <time datetime="${s.time}">${s.time}</time> in ${(s.durationSeconds * 1000).toFixed(1)} ms over ${s.processes.total} processes.</p>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title(s))}</title>
<link rel="icon" href="data:,">
<noscript><meta http-equiv="refresh" content="${Math.round(refreshMs / 1000)}"></noscript>
<style>${PAGE_STYLE}</style>
</head><body>
<header><h1>zombie-exporter ${escapeHtml(version)}</h1>
<nav><a href="${path}">Metrics</a> · <a href="/healthz">Health</a> · <a href="/api/v1/snapshot">Snapshot (JSON)</a> · <a href="/api/v1/history">History (JSON)</a></nav></header>
<main id="live" data-refresh-ms="${refreshMs}">
<p>Health: <span class="${health.healthy ? 'ok' : 'bad'}">${health.healthy ? 'ok' : 'unhealthy'}</span> (${escapeHtml(health.reason)})</p>
${body}
</main>
<footer><p id="status">Refreshes every ${refreshMs / 1000}s.</p></footer>
<script>${PAGE_SCRIPT}</script>
</body></html>
`;
}
