// npm run release: the single executable, the .deb and the OCI image archive, into release/ (docs in the README's "Install" section).

import { statSync } from 'node:fs';
import { basename } from 'node:path';
import { buildDeb } from './build-deb.mjs';
import { buildExecutable } from './build-executable.mjs';
import { buildImage } from './build-image.mjs';

const say = (line) => process.stdout.write(`${line}\n`);
const size = (path) => `${(statSync(path).size / 2 ** 20).toFixed(1)} MiB`;
const started = Date.now();
const exe = await buildExecutable({ log: say });
const deb = buildDeb({ exe });
const { archive, reference } = buildImage({ exe });
say(
  `release/${basename(exe)} (${size(exe)}), release/${basename(deb)} (${size(deb)}), release/${basename(archive)} (${reference}, ${size(archive)}) in ${((Date.now() - started) / 1000).toFixed(1)} s`,
);
