// The layers of src/, held by reading every import statement: the Sample is the one contract between the readers
// (procfs/, sysfs/) and what shows it (metrics/, snapshot/, http/), and nothing below the sample imports upward.

import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import t from 'tap';
import { REPO } from './helpers/processes.js';

const SRC = join(REPO, 'src');

/** Every .ts file under a folder, relative to it. */
function sources(dir: string, prefix = ''): string[] {
  return readdirSync(join(dir, prefix), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(dir, join(prefix, e.name)) : e.name.endsWith('.ts') ? [join(prefix, e.name)] : [],
  );
}

/** The src-relative modules a file imports (static, dynamic, type-only and re-exports), `.js` mapped back to `.ts`. */
function importsOf(file: string, text: string): string[] {
  const specifiers = [
    ...text.matchAll(/(?:^|\n)\s*(?:import|export)\s[^'";]*?from\s+'([^']+)'|import\(\s*'([^']+)'\s*\)/g),
  ].map((m) => m[1] ?? m[2]!);
  return specifiers
    .filter((s) => s.startsWith('.'))
    .map((s) => normalize(join(dirname(file), s)).replace(/\.js$/, '.ts'));
}

/** What a file may not import: the rules of the layering, one line each, applied by folder. */
const RULES: { from: RegExp; mayNot: RegExp; why: string }[] = [
  {
    from: /^(metrics|snapshot|http)\//,
    mayNot: /^(procfs|sysfs)\//,
    why: 'what shows a Sample imports only the Sample (sample/), never the readers below it',
  },
  {
    from: /^(procfs|sysfs)\//,
    mayNot: /^(sample|metrics|snapshot|http|inspect|web-config|cli)\/|^(serve|main)\.ts$/,
    why: 'the readers know nothing of the layers above them',
  },
  {
    from: /^sample\//,
    mayNot: /^(metrics|snapshot|http|inspect|web-config)\/|^(serve|main)\.ts$/,
    why: 'the sample knows nothing of what shows it',
  },
  {
    from: /^(metrics|snapshot)\//,
    mayNot: /^(http|inspect|web-config)\/|^(serve|main)\.ts$/,
    why: 'the projections of a Sample know nothing of HTTP or the command line',
  },
  { from: /./, mayNot: /^(serve|main)\.ts$/, why: 'only main.ts starts the daemon' },
];

function violations(files: ReadonlyMap<string, string>): string[] {
  const out: string[] = [];
  for (const [file, text] of files) {
    for (const target of importsOf(file, text)) {
      if (file === 'main.ts' && target === 'serve.ts') continue;
      // The single executable's entry runs main.ts, after setting V8's flags.
      if (file === 'runtime/sea/entry.ts' && target === 'main.ts') continue;
      const rule = RULES.find((r) => r.from.test(file) && r.mayNot.test(target));
      if (rule) out.push(`${file} imports ${target}: ${rule.why}`);
    }
  }
  return out;
}

t.test('no import in src/ crosses the layers', async (t) => {
  const files = new Map(sources(SRC).map((f) => [f, readFileSync(join(SRC, f), 'utf8')]));
  t.ok(files.size > 50, `${files.size} files read`);
  t.ok(
    importsOf('sample/take-sample.ts', files.get('sample/take-sample.ts')!).includes('procfs/walk.ts'),
    'imports are resolved to src paths',
  );
  t.same(violations(files), []);
});

t.test('the checker catches each kind of crossing', async (t) => {
  const fake = new Map([
    ['metrics/x.ts', "import type { SkipReason } from '../procfs/reader.js';\n"],
    ['http/y.ts', "import { walkCgroups } from '../sysfs/cgroup-walk.js';\n"],
    ['procfs/z.ts', "import { SourceFailure } from '../sample/sample.js';\n"],
    ['sysfs/w.ts', "const m = await import('../metrics/families.js');\n"],
    ['snapshot/v.ts', "export { OTHER_PARENT } from '../http/app.js';\n"],
    ['sample/u.ts', "import { serve } from '../serve.js';\n"],
    [
      'sample/fine.ts',
      "import { parseStat } from '../procfs/parse-proc-stat.js';\nimport { errnoText } from '../errors.js';\n",
    ],
  ]);
  const found = violations(fake).map((v) => v.split(':')[0]);
  t.same(found, [
    'metrics/x.ts imports procfs/reader.ts',
    'http/y.ts imports sysfs/cgroup-walk.ts',
    'procfs/z.ts imports sample/sample.ts',
    'sysfs/w.ts imports metrics/families.ts',
    'snapshot/v.ts imports http/app.ts',
    'sample/u.ts imports serve.ts',
  ]);
});
