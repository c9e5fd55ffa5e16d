// The shape of an exporter-toolkit web configuration file: the TypeScript type of a file, and the JSON schema typed by
// it (ajv's JSONSchemaType) that rejects unknown keys the way Go's yaml.UnmarshalStrict does.

import type { JSONSchemaType } from 'ajv';

/** client_auth_type values, named after Go's tls.ClientAuthType; RequireClientCert is the toolkit's old alias. */
export const CLIENT_AUTH_TYPES = [
  'NoClientCert',
  'RequestClientCert',
  'RequireAnyClientCert',
  'RequireClientCert',
  'VerifyClientCertIfGiven',
  'RequireAndVerifyClientCert',
] as const;
export type ClientAuthType = (typeof CLIENT_AUTH_TYPES)[number];

export const TLS_VERSIONS = ['TLS10', 'TLS11', 'TLS12', 'TLS13'] as const;
export type TlsVersionName = (typeof TLS_VERSIONS)[number];

/**
 * The file as written, after the schema accepted it. Absent and null both mean "not set", for sections and for keys
 * alike: YAML reads `cert_file:` as null where Go's decoder reads "", and either way the key is not set.
 */
export interface WebConfigFile {
  tls_server_config?: {
    cert?: string | null;
    key?: string | null;
    client_ca?: string | null;
    cert_file?: string | null;
    key_file?: string | null;
    client_auth_type?: ClientAuthType | '' | null;
    client_ca_file?: string | null;
    client_allowed_sans?: string[] | null;
    min_version?: TlsVersionName | null;
    max_version?: TlsVersionName | null;
    cipher_suites?: string[] | null;
    prefer_server_cipher_suites?: boolean | null;
    curve_preferences?: string[] | null;
  } | null;
  http_server_config?: {
    http2?: boolean | null;
    headers?: Record<string, string> | null;
  } | null;
  basic_auth_users?: Record<string, string> | null;
  rate_limit?: { interval?: string | number | null; burst?: number | null } | null;
}

/**
 * The schema is typed by the file's type, so the two cannot drift: a key added to one and not the other does not
 * compile. Unknown keys are refused, as Go's yaml.UnmarshalStrict refuses them. `nullable` lets a section be written
 * as an empty key (`basic_auth_users:`), which YAML reads as null and Go as "not set".
 */
export const WEB_CONFIG_SCHEMA: JSONSchemaType<WebConfigFile> = {
  type: 'object',
  nullable: true,
  additionalProperties: false,
  properties: {
    tls_server_config: {
      type: 'object',
      nullable: true,
      additionalProperties: false,
      properties: {
        cert: { type: 'string', nullable: true },
        key: { type: 'string', nullable: true },
        client_ca: { type: 'string', nullable: true },
        cert_file: { type: 'string', nullable: true },
        key_file: { type: 'string', nullable: true },
        client_auth_type: { type: 'string', nullable: true, enum: [...CLIENT_AUTH_TYPES, '', null] },
        client_ca_file: { type: 'string', nullable: true },
        client_allowed_sans: { type: 'array', nullable: true, items: { type: 'string' } },
        min_version: { type: 'string', nullable: true, enum: [...TLS_VERSIONS, null] },
        max_version: { type: 'string', nullable: true, enum: [...TLS_VERSIONS, null] },
        cipher_suites: { type: 'array', nullable: true, items: { type: 'string' } },
        prefer_server_cipher_suites: { type: 'boolean', nullable: true },
        curve_preferences: { type: 'array', nullable: true, items: { type: 'string' } },
      },
    },
    http_server_config: {
      type: 'object',
      nullable: true,
      additionalProperties: false,
      properties: {
        http2: { type: 'boolean', nullable: true },
        headers: { type: 'object', nullable: true, required: [], additionalProperties: { type: 'string' } },
      },
    },
    basic_auth_users: { type: 'object', nullable: true, required: [], additionalProperties: { type: 'string' } },
    rate_limit: {
      type: 'object',
      nullable: true,
      additionalProperties: false,
      properties: {
        // A Go duration (1s, 100ms); YAML may hand over 0 as a number.
        interval: { type: ['string', 'integer'], nullable: true },
        burst: { type: 'integer', nullable: true, minimum: 0 },
      },
    },
  },
};
