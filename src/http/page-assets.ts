// The page's only style and script, inline, and the Content-Security-Policy that allows exactly these two by hash.

import { createHash } from 'node:crypto';

export const PAGE_STYLE = `
body{font-family:system-ui,sans-serif;max-width:72em;margin:1em auto;padding:0 1em;color:#1d1d1f}
h1{font-size:1.4em;margin:.2em 0}h2{font-size:1.05em;margin:.2em 0}nav{margin-bottom:.6em}
.cards{display:flex;flex-wrap:wrap;gap:1em;margin:.8em 0}.card{border:1px solid #ccc;border-radius:6px;padding:.5em .9em;min-width:15em;flex:1}
.big{font-size:2em;font-weight:600;margin:.1em 0}.card p{margin:.2em 0}meter{width:100%}
.ok{color:#176b2c}.bad{color:#b00020;font-weight:600}
.charts{display:flex;flex-wrap:wrap;gap:1em}.chart{margin:0;flex:1 1 24em}.chart figcaption{font-weight:600}
.chart svg{width:100%;height:auto;background:#fafafa}.axis{stroke:#999}.grid{stroke:#e4e4e4}.tick{font-size:11px;fill:#555}
.line{fill:none;stroke-width:2}#chart-zombies .line{stroke:#b00020}#chart-zombies .dot{fill:#b00020}
#chart-pids .line{stroke:#1f5fa8}#chart-pids .dot{fill:#1f5fa8}
table{border-collapse:collapse;width:100%}td,th{border:1px solid #ccc;padding:.25em .5em;text-align:left;vertical-align:top}
th{background:#f2f2f2}td.num{text-align:right}td.step{white-space:nowrap}
pre{background:#f2f2f2;padding:.5em .8em;overflow-x:auto}
code{font-family:ui-monospace,monospace;background:#f2f2f2;padding:0 .2em}.meta,#status{color:#555;font-size:.9em}
`;

/**
 * Refreshes the page in place: fetches it again and swaps the live part in, so the server renders every view (and
 * escapes every process-chosen string) in one place. No framework, no innerHTML of data, nothing external.
 */
export const PAGE_SCRIPT = `
(() => {
  const status = document.getElementById('status');
  const every = Number(document.getElementById('live').dataset.refreshMs) || 5000;
  async function refresh() {
    try {
      const res = await fetch(location.pathname, { cache: 'no-store', headers: { accept: 'text/html' } });
      if (!res.ok) throw new Error('HTTP ' + res.status);
      const next = new DOMParser().parseFromString(await res.text(), 'text/html');
      const live = next.getElementById('live');
      if (!live) throw new Error('unexpected page');
      document.getElementById('live').replaceWith(document.importNode(live, true));
      document.title = next.title;
      status.textContent = 'Updated ' + new Date().toLocaleTimeString() + '; refreshes every ' + every / 1000 + 's.';
      status.className = '';
    } catch (err) {
      status.textContent = 'Refresh failed (' + err.message + '); retrying every ' + every / 1000 + 's.';
      status.className = 'bad';
    } finally {
      setTimeout(refresh, every);
    }
  }
  setTimeout(refresh, every);
})();
`;

const sha256 = (text: string): string => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

/**
 * Nothing loads from anywhere but this exporter, and only the two inline blocks above run or apply. The page links
 * to /metrics and the APIs but embeds none of them; img-src data: is for the empty favicon that spares a 404.
 */
export const PAGE_CSP = [
  "default-src 'none'",
  `script-src ${sha256(PAGE_SCRIPT)}`,
  `style-src ${sha256(PAGE_STYLE)}`,
  "connect-src 'self'",
  'img-src data:',
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');
