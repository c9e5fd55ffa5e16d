// What --version prints: the first line as every Prometheus exporter prints it (prometheus/common's version.Print),
// so whatever reads `node_exporter --version` reads this too; then the runtime in the place of Go's.

import type { BuildFacts } from '../runtime/build-facts.js';

export interface RuntimeFacts {
  /** process.version, e.g. v20.19.0. */
  nodeVersion: string;
  /** process.platform and process.arch, e.g. linux and x64. */
  platform: string;
  arch: string;
}

export function versionText(program: string, build: BuildFacts, runtime: RuntimeFacts): string {
  return [
    `${program}, version ${build.version} (branch: ${build.branch}, revision: ${build.revision})`,
    `  node version:     ${runtime.nodeVersion}`,
    `  platform:         ${runtime.platform}/${runtime.arch}`,
    '',
  ].join('\n');
}
