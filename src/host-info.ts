// Host facts for zombie_exporter_host_info, read once at start-up: systeminformation spawns child processes, so it
// never runs in the sampling loop (its processes() forks a `cat` per process and dies of E2BIG past ~6,500).

import os from 'node:os';
import si from 'systeminformation';
import type { HostInfo } from './metrics.js';

function fromNode(): HostInfo {
  return { os: os.platform(), distro: '', release: '', kernel: os.release(), arch: os.arch(), nodename: os.hostname() };
}

/** systeminformation's view of the OS, or node:os's when it fails or takes longer than timeoutMs. */
export async function readHostInfo(timeoutMs = 5000): Promise<HostInfo> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(resolve, timeoutMs, undefined);
    timer.unref();
  });
  try {
    const info = await Promise.race([si.osInfo(), timeout]);
    if (info === undefined) return fromNode();
    return {
      os: info.platform,
      distro: info.distro,
      release: info.release,
      kernel: info.kernel,
      arch: info.arch,
      nodename: info.hostname,
    };
  } catch {
    return fromNode();
  } finally {
    clearTimeout(timer);
  }
}
