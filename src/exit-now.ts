// Ends the process at once, every thread with it, for the one case process.exit() can't handle: a worker thread
// blocked in a read that does not return, which process.exit() waits to join for good.

import { loadNativeStatBatch } from './procfs/native-stat-batch.js';

export function exitNow(code: number): never {
  loadNativeStatBatch()?.exitNow(code);
  // Without the addon JavaScript has no _exit: SIGKILL is the one signal no blocked thread can hold up.
  process.kill(process.pid, 'SIGKILL');
  throw new Error('unreachable: the process was killed');
}
