// docs/metrics.md is the contract: every family families.ts declares has its row there, with the same type and the
// same labels, in order. A family added or relabelled without its documentation fails here.

import { readFileSync } from 'node:fs';
import t from 'tap';
import { FAMILIES } from '../../src/metrics/families.js';
import { REPO } from '../helpers/processes.js';

const doc = readFileSync(`${REPO}docs/metrics.md`, 'utf8');

/**
 * The rows of the doc's tables: name, type, and the label names of the third cell, which are backquoted; a single
 * label may list its values after it (`` `mode` = `user`, `system` ``), which are not labels.
 */
const rows = new Map(
  [...doc.matchAll(/^\| `([a-z_:]+)` \| (gauge|counter|histogram) \|([^|]*)\|/gm)].map((m) => [
    m[1]!,
    {
      type: m[2]!,
      labels: [...m[3]!.replace(/ = `[^`]*`(, `[^`]*`)*/g, '').matchAll(/`([a-z_]+)`/g)].map((l) => l[1]!),
    },
  ]),
);

t.test('every family is documented with its type and labels', async (t) => {
  for (const family of Object.values(FAMILIES)) {
    const row = rows.get(family.name);
    if (!t.ok(row, `${family.name} has a row in docs/metrics.md`)) continue;
    t.equal(row!.type, family.type, `${family.name}: type`);
    t.same(row!.labels, [...family.labels], `${family.name}: labels`);
  }
});
