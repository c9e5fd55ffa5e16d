// exitNow ends the process whatever its threads are doing: the one way out when a worker thread is blocked in a read
// that does not return, which process.exit() waits to join for good (the control below shows it does).

import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { REPO } from './helpers/processes.js';

/** A node process whose worker thread blocks opening a FIFO nobody writes, then exits the given way. */
function blockedThenExit(fifo: string, how: 'exitNow' | 'process.exit') {
  const script = `
    import { Worker } from 'node:worker_threads';
    import { exitNow } from '${REPO}dist/exit-now.js';
    const w = new Worker("import('node:fs').then((fs) => fs.readFileSync(process.env.FIFO))", { eval: true });
    w.unref();
    // Long enough for the worker to be inside its open(); the timer also keeps the process up until then.
    setTimeout(() => (${how === 'exitNow' ? 'exitNow(7)' : 'process.exit(7)'}), 1000);
  `;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
    stdio: 'ignore',
    detached: true,
    env: { ...process.env, FIFO: fifo },
  });
  return child;
}

async function exitWithin(child: ReturnType<typeof spawn>, ms: number): Promise<number | null | 'still running'> {
  const timer = new Promise<'still running'>((resolve) => setTimeout(() => resolve('still running'), ms));
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  return Promise.race([exited, timer]);
}

t.test('exitNow ends a process whose worker is blocked in a read; process.exit() does not', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ze-exit-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const fifo = join(dir, 'fifo');
  execFileSync('mkfifo', [fifo]);

  const control = blockedThenExit(fifo, 'process.exit');
  t.teardown(() => {
    try {
      process.kill(-control.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
  });
  t.equal(await exitWithin(control, 3000), 'still running', 'process.exit() waits on the blocked thread');

  const child = blockedThenExit(fifo, 'exitNow');
  t.teardown(() => {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
  });
  t.equal(await exitWithin(child, 3000), 7, 'exitNow ends it with the code given');
});
