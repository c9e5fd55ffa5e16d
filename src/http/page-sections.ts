// The live parts of the page, rendered from a Snapshot: summary cards, the last hour's charts, the zombie parents.

import type { ExitTimeSource } from '../sample/sample.js';
import type { HistoryPoints } from '../snapshot/history.js';
import {
  counted,
  formatAge,
  formatPercent,
  pidUsageUnknownText,
  sigchldText,
  stateText,
  userText,
  zombieAgeText,
} from '../snapshot/format.js';
import { HAND_TO_INIT, INIT_STUCK_SECONDS, REAP } from '../snapshot/next-step.js';
import { planNextSteps } from '../snapshot/next-steps-plan.js';
import type { Snapshot, SnapshotParent } from '../snapshot/snapshot.js';
import { escapeHtml } from './escape-html.js';
import { renderChart } from './page-chart.js';

/** Usage at which the PID meter turns amber and red, the same ratios the docs suggest for alerts. */
const PID_USAGE_HIGH = 0.85;
const PID_USAGE_CRITICAL = 0.95;

export function renderSummary(s: Snapshot): string {
  const z = s.zombies;
  const p = s.pids;
  const oldest =
    z.total > 0
      ? `; oldest ${escapeHtml(zombieAgeText(z.oldestAgeSeconds, oldestSource(s), null, s.watchingSeconds))}`
      : '';
  const init =
    s.init === null
      ? '<p class="big">not visible</p><p>hidepid, or another PID namespace</p>'
      : `<p class="big" id="init-comm">${escapeHtml(s.init.comm)}</p>
<p class="${s.init.zombies > 0 && s.init.heldSeconds > INIT_STUCK_SECONDS ? 'bad' : ''}">Holds <b id="init-zombies">${s.init.zombies}</b> adopted ${s.init.zombies === 1 ? 'zombie' : 'zombies'}${s.init.zombies > 0 ? `, one for ${formatAge(s.init.heldSeconds)}` : ''}</p>
<p>${sigchldText(s.init.sigchld)} (what its masks say; whether it reaps is what it holds)</p>
<p>CPU ${s.init.userCpuSeconds.toFixed(2)}s user, ${s.init.systemCpuSeconds.toFixed(2)}s system</p>`;
  return `<section class="cards">
<div class="card"><h2>Zombies</h2><p class="big ${z.total > 0 ? 'bad' : 'ok'}" id="zombies">${z.total}</p>
<p>under ${counted(z.parents, 'parent')}${oldest}</p>
<p>${counted(z.leadersWithThreads, 'exited leader')} with live threads (not reapable yet, not counted)</p></div>
<div class="card"><h2>PIDs in use</h2>${pidUsage(p)}
<p>${p.visibleTasks} visible to this exporter</p></div>
<div class="card"><h2>PID 1</h2>${init}</div>
</section>`;
}

/** PIDs in use against the limit, or, when a host file they need was unreadable, which one and what is still known. */
function pidUsage(p: Snapshot['pids']): string {
  const unknown = pidUsageUnknownText(p.unknown);
  if (unknown !== null || p.inUse === null || p.limit === null || p.usage === null) {
    const known = [
      p.inUse === null ? null : `${p.inUse} in use`,
      p.limit === null ? null : `limit ${p.limit}`,
      p.pidMax === null ? null : `pid_max ${p.pidMax}`,
      p.threadsMax === null ? null : `threads-max ${p.threadsMax}`,
    ].filter((x) => x !== null);
    return `<p class="big" id="pids">${p.inUse ?? 'unknown'}</p>
<p class="bad" id="pid-usage-unknown">${escapeHtml(unknown ?? 'PID usage unknown')}</p>${
      known.length > 0
        ? `
<p>Known: ${known.join(', ')}</p>`
        : ''
    }`;
  }
  return `<p class="big" id="pids">${p.inUse}</p>
<p>of <b id="pid-limit">${p.limit}</b> (<span id="pid-usage">${formatPercent(p.usage)}</span>), limited by ${limitText(p)}</p>
<meter min="0" max="${p.limit}" value="${p.inUse}" low="${Math.round(p.limit * PID_USAGE_HIGH)}" high="${Math.round(p.limit * PID_USAGE_CRITICAL)}" optimum="0">${formatPercent(p.usage)}</meter>`;
}

/** The shortest span a chart shows: a minute, so the first seconds after a start are not stretched across it. */
const MIN_CHART_WINDOW_MS = 60_000;

export function renderCharts(s: Snapshot, history: HistoryPoints): string {
  // The last hour once there is an hour of samples; until then the span there is, so a fresh start is readable.
  const span = history.t.length > 0 ? s.timestampMs - history.t[0]! : 0;
  const windowMs = Math.min(history.windowSeconds * 1000, Math.max(MIN_CHART_WINDOW_MS, span));
  const common = { t: history.t, endMs: s.timestampMs, windowMs, maxGapMs: history.spacingMs * 3 };
  const heading = windowMs >= history.windowSeconds * 1000 ? 'Last hour' : 'Since sampling began (up to an hour)';
  return `<section><h2>${heading}</h2><div class="charts">
${renderChart({ ...common, id: 'chart-zombies', title: 'Zombies', values: history.zombies })}
${renderChart({ ...common, id: 'chart-pids', title: 'PIDs in use', values: history.pidsInUse })}
</div></section>`;
}

/** Backticked commands in advice become code; the advice holds only pids and fixed words, escaped anyway. */
const withCode = (text: string): string => escapeHtml(text).replace(/`([^`]+)`/g, '<code>$1</code>');

/** The oldest zombie's age source, from the parent that holds it (the other bucket is counted from first sight). */
function oldestSource(s: Snapshot): ExitTimeSource {
  const oldest = s.parents.reduce<SnapshotParent | undefined>(
    (a, p) => (a === undefined || p.oldestAgeSeconds > a.oldestAgeSeconds ? p : a),
    undefined,
  );
  return oldest !== undefined && oldest.oldestAgeSeconds >= s.otherParents.oldestAgeSeconds
    ? oldest.oldestAgeSource
    : 'first_seen';
}

function parentRow(p: SnapshotParent, watchingSeconds: number): string {
  const more = p.zombies > p.zombiePids.length ? ` … (${p.zombies - p.zombiePids.length} more)` : '';
  const step =
    p.nextCommand !== null
      ? `<code>${escapeHtml(p.nextCommand)}</code>`
      : p.pid === 1
        ? 'fix init (below)'
        : p.namespaceInit
          ? 'restart its container (below)'
          : 'see below';
  const comm = `${escapeHtml(p.comm)}${p.namespaceInit ? ' <span class="tag">container init</span>' : ''}`;
  return `<tr class="parent" data-pid="${p.pid}"><td class="num">${p.pid}</td><td class="comm">${comm}</td>
<td>${escapeHtml(stateText(p.state))}</td><td>${escapeHtml(userText(p))}</td><td class="num zombies">${p.zombies}</td>
<td>${escapeHtml(zombieAgeText(p.oldestAgeSeconds, p.oldestAgeSource, p.oldestStartedSecondsAgo, watchingSeconds))}</td><td>${escapeHtml(formatAge(p.heldSeconds))}</td>
<td class="pids">${p.zombiePids.join(' ')}${more}</td><td>${escapeHtml(p.cgroup ?? 'unknown')}</td><td class="step">${step}</td></tr>`;
}

/** The same plan inspect prints: the shared advice once, then one command per parent. */
function renderNextSteps(s: Snapshot): string {
  const plan = planNextSteps(s);
  const parts: string[] = [];
  if (plan.commands.length > 0) {
    const lines = plan.commands.map(
      (c) =>
        `${escapeHtml(c.command)}  # ${escapeHtml(c.comm)}: ${counted(c.zombies, 'zombie')}${c.note === null ? '' : `. ${escapeHtml(c.note)}`}`,
    );
    parts.push(
      `<p>Each parent ${REAP} Killing one hands its zombies ${HAND_TO_INIT}</p>\n<pre id="commands">${lines.join('\n')}</pre>`,
    );
    if (plan.caution !== null) parts.push(`<p class="bad">${escapeHtml(plan.caution)}</p>`);
  }
  if (plan.init !== null) {
    parts.push(
      `<p id="init-advice">PID 1 (${escapeHtml(plan.init.comm)}) holds ${plan.init.zombies} adopted ${plan.init.zombies === 1 ? 'zombie' : 'zombies'}. ${withCode(plan.init.text)}</p>`,
    );
  }
  for (const n of plan.namespaceInits) {
    parts.push(
      `<p class="ns-init-advice">${escapeHtml(n.comm)} (pid ${n.pid}) holds ${counted(n.zombies, 'zombie')}. ${withCode(n.text)}</p>`,
    );
  }
  if (plan.outside !== null)
    parts.push(`<p>${counted(plan.outside.zombies, 'zombie')}: ${withCode(plan.outside.text)}</p>`);
  if (plan.unlisted !== null) {
    parts.push(
      `<p>${counted(plan.unlisted.parents, 'more parent')} with ${counted(plan.unlisted.zombies, 'zombie')} not listed: raise <code>--zombies.top-parents</code> to see them.</p>`,
    );
  }
  return `<section id="next-steps"><h2>Next steps</h2>\n${parts.join('\n')}\n<p class="meta">Advice for you to act on: nothing on this page or in this exporter kills anything.</p></section>`;
}

/** Which limit bounds the frame, in words. */
function limitText(p: Snapshot['pids']): string {
  const frame = p.frame === 'namespace' ? " (this PID namespace's tasks)" : '';
  if (p.limitedBy === 'pids_max') return `its cgroup's pids.max${frame}`;
  if (p.limitedBy === 'threads_max') return `threads-max ${p.threadsMax ?? ''}${frame}`;
  return `pid_max ${p.pidMax ?? ''}${frame}`;
}

/** Zombies by program: a pool of workers each leaking a few shows here before any single parent ranks. */
function renderByComm(s: Snapshot): string {
  if (!s.byComm.some((c) => c.parents > 1)) return '';
  const rows = s.byComm.map(
    (c) =>
      `<tr><td class="comm">${escapeHtml(c.comm === '' ? '(unknown)' : c.comm)}</td><td class="num">${c.parents}</td><td class="num">${c.zombies}</td></tr>`,
  );
  if (s.otherComms > 0) rows.push(`<tr class="other"><td>other</td><td></td><td class="num">${s.otherComms}</td></tr>`);
  return `<section><h2>Zombies by program</h2>
<table id="by-comm"><thead><tr><th>Parent comm</th><th>Parents</th><th>Zombies</th></tr></thead><tbody>${rows.join('\n')}</tbody></table></section>`;
}

export function renderParents(s: Snapshot): string {
  if (s.zombies.total === 0) return '<section><h2>Zombie parents</h2><p id="no-zombies">No zombies.</p></section>';
  const rows = s.parents.map((p) => parentRow(p, s.watchingSeconds));
  const o = s.otherParents;
  if (o.zombies > 0) {
    rows.push(
      `<tr class="other"><td>other</td><td colspan="3">${counted(o.parents, 'more parent')} (beyond --zombies.top-parents)</td><td class="num">${o.zombies}</td><td>${escapeHtml(zombieAgeText(o.oldestAgeSeconds, undefined, null, s.watchingSeconds))}</td><td>${escapeHtml(formatAge(o.heldSeconds))}</td><td colspan="3"></td></tr>`,
    );
  }
  return `<section><h2>Zombie parents</h2>
<table id="parents"><thead><tr><th>Parent pid</th><th>comm</th><th>State</th><th>User</th><th>Zombies</th><th>Oldest zombie</th><th>Held</th><th>Zombie pids</th><th>cgroup</th><th>Next step</th></tr></thead>
<tbody>${rows.join('\n')}</tbody></table>
<p class="meta">Oldest zombie: how long ago it exited, from the kernel's record of its last run; where that can't be read, counted from when this exporter first saw it (≥: it was already there when sampling began; sampling for ${formatAge(s.watchingSeconds)}; ≤: at most since its process started). Held: how long this parent has held the zombie it has held longest (since it exited, or since it was handed to this parent when its own parent died).</p></section>
${renderByComm(s)}
${renderNextSteps(s)}`;
}
