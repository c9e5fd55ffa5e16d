// The landing page at /: names the exporter, links /metrics, and summarises the last sample on one screen.

import type { Sample } from '../sample/sample.js';
import type { Health } from './health.js';

export interface LandingPageInput {
  version: string;
  telemetryPath: string;
  sample: Sample | undefined;
  health: Health;
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for HTML bodies and attributes; comm is chosen by whoever started the process. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

export function formatAge(seconds: number): string {
  if (seconds < 60) return `${Math.round(seconds)}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m${Math.round(seconds % 60)}s`;
  if (seconds < 86400) return `${Math.floor(seconds / 3600)}h${Math.floor((seconds % 3600) / 60)}m`;
  return `${Math.floor(seconds / 86400)}d${Math.floor((seconds % 86400) / 3600)}h`;
}

/** The limit that bites first: a fork needs a free PID (pid_max) and a task slot (threads-max). */
export function pidLimit(sample: Sample): number {
  return sample.threadsMax === null ? sample.pidMax : Math.min(sample.pidMax, sample.threadsMax);
}

function summary(s: Sample): string {
  const limit = pidLimit(s);
  const pct = ((100 * s.pidsInUse) / limit).toFixed(1);
  const rows = s.topParents
    .filter((p) => p.zombies > 0)
    .map(
      (p) =>
        `<tr><td>${p.pid}</td><td>${escapeHtml(p.comm)}</td><td>${p.zombies}</td><td>${formatAge(p.oldestAgeSeconds)}</td></tr>`,
    );
  if (s.other.zombies > 0) {
    rows.push(`<tr><td>other</td><td>${s.other.parents} more parents</td><td>${s.other.zombies}</td><td>${formatAge(s.other.oldestAgeSeconds)}</td></tr>`);
  }
  const init = s.init
    ? `${escapeHtml(s.init.comm)}; SIGCHLD ${s.init.sigchldHandled === null ? 'unknown' : s.init.sigchldHandled ? 'handled' : 'left at default (may never reap)'}`
    : 'not visible';
  return `<h2>Last sample</h2>
<p>Taken ${escapeHtml(new Date(s.timestampMs).toISOString())} in ${(s.durationSeconds * 1000).toFixed(1)} ms over ${s.processes} processes.</p>
<ul>
<li>Zombies: <b id="zombies">${s.zombies}</b> under ${s.zombieParents} parents; oldest ${formatAge(s.oldestZombieAgeSeconds)}.</li>
<li>Exited leaders with live threads: ${s.zombieLeadersWithThreads}.</li>
<li>PIDs in use: <b id="pids">${s.pidsInUse}</b> of ${limit} (${pct}%; pid_max ${s.pidMax}, threads-max ${s.threadsMax ?? 'unknown'}).</li>
<li>PID 1: ${init}.</li>
</ul>
${rows.length > 0 ? `<table><thead><tr><th>Parent pid</th><th>comm</th><th>Zombies</th><th>Oldest</th></tr></thead><tbody>${rows.join('')}</tbody></table>` : '<p>No zombies.</p>'}`;
}

export function renderLandingPage({ version, telemetryPath, sample, health }: LandingPageInput): string {
  const path = escapeHtml(telemetryPath);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>zombie-exporter</title>
<style>body{font-family:sans-serif;max-width:60em;margin:1em auto;padding:0 1em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.2em .6em;text-align:left}</style>
</head><body>
<h1>zombie-exporter ${escapeHtml(version)}</h1>
<p>Prometheus exporter for zombie processes and PID exhaustion. <a href="${path}">Metrics</a> · <a href="/healthz">Health</a></p>
<p>Health: ${health.healthy ? 'ok' : 'unhealthy'} (${escapeHtml(health.reason)})</p>
${sample ? summary(sample) : '<p>Waiting for the first sample.</p>'}
</body></html>
`;
}
