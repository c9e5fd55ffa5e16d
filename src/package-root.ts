// The package's root folder, found by walking up from this file (src/, dist/ or dist-bench/src/) to its package.json.

import { readFileSync } from 'node:fs';

function findRoot(): { url: URL; version: string } | undefined {
  for (let up = './'; up.length <= 14; up += '../') {
    const url = new URL(up === './' ? '../' : `${up}../`, import.meta.url);
    try {
      const pkg = JSON.parse(readFileSync(new URL('package.json', url), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'zombie-exporter') return { url, version: pkg.version ?? 'unknown' };
    } catch {
      // not here; one level up
    }
  }
  return undefined;
}

const found = findRoot();

/** The folder holding package.json, with a trailing slash; undefined if the package was taken apart. */
export const PACKAGE_ROOT: URL | undefined = found?.url;
export const PACKAGE_VERSION: string = found?.version ?? 'unknown';
