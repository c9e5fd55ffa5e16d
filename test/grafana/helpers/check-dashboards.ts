// Type-checks dashboard JSON texts against DashboardJson (dashboard-json.ts) with the TypeScript compiler, in one
// program for all of them, and names each error by where it is in the dashboard.

import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO = join(HERE, '../../..');

export interface SchemaError {
  /** Where in the dashboard, as a JSON path: `panels[3].options.footer`. */
  path: string;
  /** The title of the panel it is in, if any. */
  panel?: string;
  /** 1-based line and column in the dashboard's text. */
  line: number;
  column: number;
  message: string;
}

/**
 * The dashboard's text goes in verbatim, after a prefix on its first line, so the compiler's line numbers are the
 * file's and a fix can be made where the error says. The virtual files sit beside helpers/ so that the import
 * resolves as it would from a real file there.
 */
const PREFIX = "import type { DashboardJson } from './helpers/dashboard-json.js'; export default (";
const SUFFIX = ') satisfies DashboardJson;\n';

function compilerOptions(): ts.CompilerOptions {
  const file = join(REPO, 'tsconfig.json');
  const config = ts.readConfigFile(file, (p) => ts.sys.readFile(p));
  const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, REPO, undefined, file);
  // Only what a literal and the schema's types need: no @types/node and no library past ES5 (Partial, Omit and
  // Record are there), which halves the time to load the program. The schema's declarations are checked, not
  // skipped, so that a name missing from ES5 is an error rather than a silent `any`. Nothing is written.
  return { ...parsed.options, lib: ['lib.es5.d.ts'], types: [], skipLibCheck: false, noEmit: true, sourceMap: false };
}

/**
 * Every schema error in each dashboard text, by the name it was given. Like any type check of a literal, it names at
 * most one unknown property per object, and a missing property can hide the others in that object: fix, and run again.
 */
export function checkDashboards(texts: ReadonlyMap<string, string>): Map<string, SchemaError[]> {
  const options = compilerOptions();
  const host = ts.createCompilerHost(options, true);
  const sources = new Map<string, string>();
  const names = new Map<string, string>();
  for (const [name, text] of texts) {
    const path = join(HERE, '..', `dashboard-${names.size}.check.ts`);
    sources.set(path, PREFIX + text.trimEnd() + SUFFIX);
    names.set(path, name);
  }
  const getSourceFile = host.getSourceFile.bind(host);
  const fileExists = host.fileExists.bind(host);
  const readFile = host.readFile.bind(host);
  host.getSourceFile = (path, language, ...rest) => {
    const text = sources.get(path);
    return text === undefined ? getSourceFile(path, language, ...rest) : ts.createSourceFile(path, text, language, true);
  };
  host.fileExists = (path) => sources.has(path) || fileExists(path);
  host.readFile = (path) => sources.get(path) ?? readFile(path);

  const program = ts.createProgram([...sources.keys()], options, host);
  const errors = new Map<string, SchemaError[]>([...texts.keys()].map((n) => [n, []]));
  // An error in the types themselves (a name the ES5 library lacks, an import an upgrade moved) would otherwise
  // turn into `any`, which accepts every dashboard, or into confusing errors in each of them: so the types file and
  // the schema's own declarations must compile cleanly first.
  const types = program
    .getSourceFiles()
    .filter((f) => !sources.has(f.fileName) && !program.isSourceFileDefaultLibrary(f));
  const broken = [
    ...program.getOptionsDiagnostics(),
    ...program.getGlobalDiagnostics(),
    ...types.flatMap((f) => [...program.getSyntacticDiagnostics(f), ...program.getSemanticDiagnostics(f)]),
  ];
  if (broken.length > 0) {
    throw new Error(ts.formatDiagnostics(broken, { ...host, getNewLine: () => '\n', getCanonicalFileName: (f) => f }));
  }

  for (const [path, name] of names) {
    const file = program.getSourceFile(path)!;
    for (const d of [...program.getSyntacticDiagnostics(file), ...program.getSemanticDiagnostics(file)]) {
      const start = d.start ?? 0;
      const { line, character } = file.getLineAndCharacterOfPosition(start);
      errors.get(name)!.push({
        ...whereIn(file, start),
        line: line + 1,
        column: line === 0 ? character + 1 - PREFIX.length : character + 1,
        message: ts.flattenDiagnosticMessageText(d.messageText, '\n'),
      });
    }
  }
  return errors;
}

/** The JSON path (and panel title) of the innermost property or array item at a position. */
function whereIn(file: ts.SourceFile, position: number): { path: string; panel?: string } {
  const segments: string[] = [];
  let panel: string | undefined;
  for (let node = tokenAt(file, position); !ts.isSourceFile(node); node = node.parent) {
    const parent: ts.Node = node.parent;
    if (ts.isPropertyAssignment(node)) segments.unshift(`.${propertyName(node)}`);
    else if (ts.isArrayLiteralExpression(parent)) {
      segments.unshift(`[${parent.elements.indexOf(node as ts.Expression)}]`);
      const key = ts.isPropertyAssignment(parent.parent) ? propertyName(parent.parent) : undefined;
      if (key === 'panels' && panel === undefined && ts.isObjectLiteralExpression(node)) panel = titleOf(node);
    }
  }
  const path = segments.join('').replace(/^\./, '') || '(the dashboard)';
  return panel === undefined ? { path } : { path, panel };
}

function tokenAt(node: ts.Node, position: number): ts.Node {
  for (const child of node.getChildren()) {
    if (child.getStart() <= position && position < child.getEnd()) return tokenAt(child, position);
  }
  return node;
}

function propertyName(p: ts.PropertyAssignment): string {
  return ts.isStringLiteral(p.name) || ts.isIdentifier(p.name) ? p.name.text : p.name.getText();
}

function titleOf(o: ts.ObjectLiteralExpression): string | undefined {
  for (const p of o.properties) {
    if (ts.isPropertyAssignment(p) && propertyName(p) === 'title' && ts.isStringLiteral(p.initializer)) {
      return p.initializer.text;
    }
  }
  return undefined;
}
