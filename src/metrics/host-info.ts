// Host facts for zombie_exporter_host_info, read once at start-up: systeminformation spawns child processes, so it
// never runs in the sampling loop (its processes() forks a `cat` per process and dies of E2BIG past ~6,500), and
// it runs in a worker that exits afterwards, so its memory does not stay.

import { once } from 'node:events';
import os from 'node:os';
import { startWorker } from '../runtime/worker-source.js';

/** What zombie_exporter_host_info's labels say about the host. */
export type HostInfo = Record<'os' | 'distro' | 'release' | 'kernel' | 'arch' | 'nodename', string>;

function fromNode(): HostInfo {
  return { os: os.platform(), distro: '', release: '', kernel: os.release(), arch: os.arch(), nodename: os.hostname() };
}

/** systeminformation's view of the OS, or node:os's when it fails or takes longer than timeoutMs. */
export async function readHostInfo(timeoutMs = 5000): Promise<HostInfo> {
  const worker = startWorker('host-info-worker');
  worker.unref();
  const timer = setTimeout(() => void worker.terminate(), timeoutMs);
  timer.unref();
  try {
    const [info] = (await Promise.race([once(worker, 'message'), once(worker, 'exit').then(() => [undefined])])) as [
      HostInfo | undefined,
    ];
    return info ?? fromNode();
  } catch {
    return fromNode();
  } finally {
    clearTimeout(timer);
    void worker.terminate();
  }
}
