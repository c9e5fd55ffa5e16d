// Reads and validates --web.config.file (exporter-toolkit's format) into a WebConfig, or one line naming the key at
// fault; the files it names are read through the caller so a reload sees one consistent set of bytes.

import { dirname, resolve } from 'node:path';
import { Ajv, type ErrorObject } from 'ajv';
import { isMap, isScalar, parseDocument, YAMLParseError, type Document } from 'yaml';
import { parseDuration } from '../cli/duration.js';
import { ConfigError, errnoText } from '../errors.js';
import { buildTlsSettings, tlsEnabled, type TlsSettings } from './tls-settings.js';
import { WEB_CONFIG_SCHEMA, type WebConfigFile } from './web-config-schema.js';

export interface WebConfig {
  /** Absent when the file turns no TLS on: the server speaks plain HTTP. */
  tls: TlsSettings | undefined;
  /** User name -> bcrypt hash; empty means no authentication. */
  users: ReadonlyMap<string, string>;
  /** Extra response headers, from exporter-toolkit's allow-list. */
  headers: Readonly<Record<string, string>>;
  /** Token bucket for every request, when rate_limit sets a non-zero interval. */
  rateLimit: { intervalMs: number; burst: number } | undefined;
}

/**
 * The headers exporter-toolkit lets a file set, with the values it allows where they are an enumeration. Other
 * headers are refused so that files stay portable across the Prometheus ecosystem.
 */
export const CONFIGURABLE_HEADERS: Readonly<Record<string, readonly string[] | null>> = {
  'Strict-Transport-Security': null,
  'X-Content-Type-Options': ['nosniff'],
  'X-Frame-Options': ['deny', 'sameorigin'],
  'X-XSS-Protection': null,
  'Content-Security-Policy': null,
};

/**
 * A bcrypt hash as htpasswd -B ($2y$), Go ($2a$) and OpenBSD ($2b$) write it: cost, 22 characters of salt, 31 of
 * hash. bcryptjs reads all three; the cost range is bcrypt's own.
 */
const BCRYPT_HASH = /^\$2[aby]?\$(\d\d)\$[./A-Za-z0-9]{53}$/;

const validate = new Ajv({ allErrors: false, strict: true, allowUnionTypes: true }).compile<WebConfigFile>(
  WEB_CONFIG_SCHEMA,
);

function keyOf(instancePath: string, extra?: string): string {
  const parts = instancePath
    .split('/')
    .slice(1)
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (extra !== undefined) parts.push(extra);
  return parts.length > 0 ? parts.join('.') : '(top level)';
}

function describeSchemaError(e: ErrorObject, data: unknown): string {
  if (e.keyword === 'additionalProperties') {
    return `${keyOf(e.instancePath, (e.params as { additionalProperty: string }).additionalProperty)}: unknown key`;
  }
  const key = keyOf(e.instancePath);
  if (e.keyword === 'enum') {
    const got = e.instancePath
      .split('/')
      .slice(1)
      .reduce<unknown>((v, p) => (v as Record<string, unknown> | null | undefined)?.[p], data);
    const allowed = (e.params as { allowedValues: unknown[] }).allowedValues.filter((v) => v !== '' && v !== null);
    return `${key}: ${JSON.stringify(got)} is not one of ${allowed.join(', ')}`;
  }
  if (e.keyword === 'type') {
    const want = ([] as string[]).concat((e.params as { type: string | string[] }).type).filter((t) => t !== 'null');
    return `${key}: must be ${want.map((t) => (t === 'object' ? 'a mapping' : t === 'array' ? 'a list' : `a ${t}`)).join(' or ')}`;
  }
  return `${key}: ${e.message ?? 'invalid'}`;
}

/** The first line of a YAML error and the line it is on, without the source excerpt the library appends. */
function describeYamlError(err: YAMLParseError, text: string): string {
  const line = text.slice(0, err.pos[0]).split('\n').length;
  const first = err.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
  return `line ${line}: ${first}`;
}

/** Reads a file the config names; the loader reports failures under the key that named it. */
export type ReadFile = (path: string) => Buffer;

function readNamed(read: ReadFile, key: string, path: string): Buffer {
  try {
    return read(path);
  } catch (err) {
    throw new ConfigError(`${key}: cannot read ${JSON.stringify(path)}: ${errnoText(err)}`);
  }
}

/** The files a parsed config reads besides itself (absolute paths), so a watcher can notice their rotation. */
export function referencedFiles(configPath: string, file: WebConfigFile | null): string[] {
  const tls = file?.tls_server_config;
  if (!tls) return [];
  const dir = dirname(resolve(configPath));
  return [tls.cert_file, tls.key_file, tls.client_ca_file]
    .filter((p): p is string => Boolean(p))
    .map((p) => resolve(dir, p));
}

/**
 * Header values as Go reads them into a map[string]string: a plain scalar is its text as written (`X-XSS-Protection: 1`
 * is "1", not the number 1; `0x10` stays "0x10"), and an empty value is "". node_exporter files written that way work.
 */
function headerValuesAsText(doc: Document): void {
  const headers = doc.getIn(['http_server_config', 'headers'], true);
  if (!isMap(headers)) return;
  for (const pair of headers.items) {
    const value = pair.value;
    if (value === null) pair.value = doc.createNode('');
    // A parsed scalar carries its source text; Go reads a null (`~`, `null`, nothing) as "".
    else if (isScalar(value) && typeof value.value !== 'string')
      pair.value = doc.createNode(value.value === null ? '' : (value.source ?? ''));
  }
}

/** Parses and validates the YAML text alone (no files read); throws ConfigError. */
export function parseWebConfigText(text: string): WebConfigFile | null {
  let data: unknown;
  try {
    // Unique keys are YAML's rule and Go's UnmarshalStrict's: a repeated user or key is a mistake, not an override.
    const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: false });
    if (doc.errors.length > 0) throw doc.errors[0]!;
    headerValuesAsText(doc);
    data = doc.toJS();
  } catch (err) {
    if (err instanceof YAMLParseError) throw new ConfigError(describeYamlError(err, text));
    throw new ConfigError(err instanceof Error ? err.message.split('\n')[0]! : String(err));
  }
  if (data === undefined) data = null;
  if (!validate(data)) throw new ConfigError(describeSchemaError(validate.errors![0]!, data));
  return data;
}

/** Builds the WebConfig from the file's text, reading the files it names with `read`; throws ConfigError. */
export function loadWebConfig(configPath: string, text: string, read: ReadFile): WebConfig {
  const file = parseWebConfigText(text);

  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(file?.http_server_config?.headers ?? {})) {
    const allowed = CONFIGURABLE_HEADERS[name];
    if (allowed === undefined) {
      throw new ConfigError(
        `http_server_config.headers.${name}: this header can not be configured (only ${Object.keys(CONFIGURABLE_HEADERS).join(', ')})`,
      );
    }
    if (allowed !== null && !allowed.includes(value)) {
      throw new ConfigError(
        `http_server_config.headers.${name}: ${JSON.stringify(value)} is not one of ${allowed.join(', ')}`,
      );
    }
    if (value !== '') headers[name] = value;
  }

  const users = new Map<string, string>();
  for (const [user, hash] of Object.entries(file?.basic_auth_users ?? {})) {
    const m = BCRYPT_HASH.exec(hash);
    const cost = m ? Number(m[1]) : 0;
    if (!m || cost < 4 || cost > 31)
      throw new ConfigError(`basic_auth_users.${user}: not a bcrypt hash (make one with htpasswd -nBC 10 "")`);
    users.set(user, hash);
  }

  let rateLimit: WebConfig['rateLimit'];
  const rl = file?.rate_limit;
  if (rl) {
    const intervalMs =
      typeof rl.interval === 'number' ? (rl.interval === 0 ? 0 : undefined) : parseDuration(rl.interval ?? '0');
    if (intervalMs === undefined)
      throw new ConfigError(
        `rate_limit.interval: invalid duration ${JSON.stringify(rl.interval)} (want e.g. 100ms, 1s)`,
      );
    // A burst of 0 (or none) is Go's rate.NewLimiter(every, 0): valid, and it refuses every request. exporter-toolkit
    // starts with it, so this does too (and secure-serving.ts warns).
    if (intervalMs > 0) rateLimit = { intervalMs, burst: rl.burst ?? 0 };
  }

  let tls: TlsSettings | undefined;
  const t = file?.tls_server_config;
  if (t && tlsEnabled(t)) {
    const dir = dirname(resolve(configPath));
    const named = (key: 'cert_file' | 'key_file' | 'client_ca_file'): Buffer | undefined =>
      t[key] ? readNamed(read, `tls_server_config.${key}`, resolve(dir, t[key])) : undefined;
    const cert = named('cert_file') ?? t.cert;
    const key = named('key_file') ?? t.key;
    if (!cert) throw new ConfigError('tls_server_config: missing one of cert or cert_file');
    if (!key) throw new ConfigError('tls_server_config: missing one of key or key_file');
    try {
      tls = buildTlsSettings(t, { cert, key, clientCa: named('client_ca_file') ?? t.client_ca ?? undefined });
    } catch (err) {
      if (err instanceof ConfigError && err.key !== undefined) throw new ConfigError(`${err.key}: ${err.message}`);
      throw err;
    }
  }

  return { tls, users, headers, rateLimit };
}
