#!/usr/bin/env node
// Extracts a ttar archive (the plain-text tar prometheus/procfs keeps its fixture trees in) into a folder, all of it
// or only the paths named: how test/fixtures/procfs-upstream/ was made (see its SOURCE.md).
//
//   node scripts/extract-ttar.mjs ARCHIVE OUT-DIR [PATH...]
//
// The format, as ttar writes it: `Directory: d` and `Mode: 755`; `Path: f`, `Lines: N`, then N lines of content and
// `Mode: 644`; `Path: l` and `SymlinkTo: target`; `#` lines between entries. In content, NULLBYTE stands for a NUL
// byte and a final EOF for "no newline at the end"; a backslash before either keeps it literal.

import { Buffer } from 'node:buffer';
import { chmodSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';

const [archive, outDir, ...wanted] = process.argv.slice(2);
if (archive === undefined || outDir === undefined) {
  process.stderr.write('usage: node scripts/extract-ttar.mjs ARCHIVE OUT-DIR [PATH...]\n');
  process.exit(2);
}

/** A path is extracted when no PATH was given, or it is one of them, or lies under one. */
const selected = (path) => wanted.length === 0 || wanted.some((w) => path === w || path.startsWith(`${w}/`));

/** One content line back to its bytes: NULLBYTE is a NUL, a trailing EOF drops the newline; `\` escapes both. */
function decodeLine(line) {
  const eof = /(^|[^\\])EOF$/.test(line);
  const body = (eof ? line.slice(0, -3) : line)
    .replace(/(^|[^\\])NULLBYTE/g, '$1\0')
    .replace(/(^|[^\\])NULLBYTE/g, '$1\0') // twice: consecutive NULLBYTEs share a boundary, as ttar's sed does
    .replace(/\\NULLBYTE/g, 'NULLBYTE')
    .replace(/\\EOF/g, 'EOF');
  return eof ? body : `${body}\n`;
}

const root = resolve(outDir);
/** Refuses an entry that would land outside OUT-DIR (an absolute path or `..`); the archive is input, not trusted. */
function target(path) {
  const full = resolve(root, path);
  const rel = relative(root, full);
  if (rel.startsWith('..') || rel === '') throw new Error(`entry outside the output folder: ${path}`);
  return full;
}

const lines = readFileSync(archive, 'latin1').split('\n');
if (lines.at(-1) === '') lines.pop();
let path;
let count = 0;
for (let i = 0; i < lines.length; i++) {
  const line = lines[i];
  let m;
  if (line.startsWith('#')) continue;
  if ((m = /^Directory: (.*)$/.exec(line))) {
    path = m[1];
    if (selected(path)) mkdirSync(target(path), { recursive: true });
  } else if ((m = /^Path: (.*)$/.exec(line))) {
    path = m[1];
  } else if ((m = /^Lines: (\d+)$/.exec(line))) {
    const n = Number(m[1]);
    const content = lines
      .slice(i + 1, i + 1 + n)
      .map(decodeLine)
      .join('');
    i += n;
    if (selected(path)) {
      mkdirSync(dirname(target(path)), { recursive: true });
      writeFileSync(target(path), Buffer.from(content, 'latin1'));
      count++;
    }
  } else if ((m = /^Mode: ([0-7]{3,4})$/.exec(line))) {
    if (selected(path)) chmodSync(target(path), parseInt(m[1], 8));
  } else if ((m = /^SymlinkTo: (.*)$/.exec(line))) {
    if (selected(path)) {
      mkdirSync(dirname(target(path)), { recursive: true });
      symlinkSync(m[1], target(path));
      count++;
    }
  } else {
    process.stderr.write(`extract-ttar: ${archive}:${i + 1}: unknown line: ${line.slice(0, 80)}\n`);
    process.exit(1);
  }
}
process.stdout.write(`extracted ${count} files and links into ${outDir}\n`);
