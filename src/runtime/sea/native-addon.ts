// The single executable's native addon: carried inside the executable as an asset, since dlopen needs a file. Each
// thread that loads it writes it to a private temporary folder (mode 0700 under os.tmpdir(): a tmpfs /tmp in the
// image, PrivateTmp under systemd), loads it and removes it again: the mapping outlives the file. Without a writable
// temporary folder, or in an executable built without the addon, the walk reads /proc through node:fs, as the
// package does without a compiler.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getAsset } from 'node:sea';

/** The addon's exports, or undefined when the executable carries none or it can't be written or loaded. */
export function loadNativeAddon(): unknown {
  let dir: string | undefined;
  try {
    const bytes = new Uint8Array(getAsset('stat_batch.node'));
    dir = mkdtempSync(join(tmpdir(), 'zombie-exporter-'));
    const file = join(dir, 'stat_batch.node');
    writeFileSync(file, bytes, { mode: 0o500 });
    const module = { exports: {} as unknown };
    process.dlopen(module, file);
    return module.exports;
  } catch {
    return undefined;
  } finally {
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  }
}
