// npm run soak -- --minutes=10 [--events [--events-buffer-bytes=N]]: runs the soak (soak/soak.ts) and prints its report; exits 1 when a check failed.

import { parseArgs } from 'node:util';
import { formatReport, runSoak } from './soak.js';

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '10' },
    json: { type: 'boolean', default: false },
    events: { type: 'boolean', default: false },
    'events-buffer-bytes': { type: 'string' },
  },
});
const minutes = Number(values.minutes);
if (!(minutes > 0 && minutes <= 24 * 60)) {
  process.stderr.write(
    `soak: error: --minutes: invalid value "${values.minutes}" (want a number of minutes above 0)\n`,
  );
  process.exit(2);
}
try {
  const report = await runSoak({
    seconds: minutes * 60,
    events: values.events,
    ...(values['events-buffer-bytes'] !== undefined && { eventsBufferBytes: Number(values['events-buffer-bytes']) }),
    log: (line) => process.stderr.write(`${line}\n`),
  });
  process.stdout.write(`${values.json ? JSON.stringify(report, null, 2) : formatReport(report)}\n`);
  process.exit(report.ok ? 0 : 1);
} catch (err) {
  process.stderr.write(`soak: error: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}
