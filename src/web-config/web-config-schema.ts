// The shape of an exporter-toolkit web configuration file, as a JSON schema that rejects unknown keys the way Go's
// yaml.UnmarshalStrict does, and the TypeScript type of a file that passed it.

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

/** The file as written, after the schema accepted it (absent and null sections both mean "not set"). */
export interface WebConfigFile {
  tls_server_config?: {
    cert?: string;
    key?: string;
    client_ca?: string;
    cert_file?: string;
    key_file?: string;
    client_auth_type?: ClientAuthType;
    client_ca_file?: string;
    client_allowed_sans?: string[];
    min_version?: TlsVersionName;
    max_version?: TlsVersionName;
    cipher_suites?: string[];
    prefer_server_cipher_suites?: boolean;
    curve_preferences?: string[];
  } | null;
  http_server_config?: {
    http2?: boolean;
    headers?: Record<string, string> | null;
  } | null;
  basic_auth_users?: Record<string, string> | null;
  rate_limit?: { interval?: string; burst?: number } | null;
}

const str = { type: 'string' } as const;
const strings = { type: ['array', 'null'], items: str } as const;

export const WEB_CONFIG_SCHEMA = {
  type: ['object', 'null'],
  additionalProperties: false,
  properties: {
    tls_server_config: {
      type: ['object', 'null'],
      additionalProperties: false,
      properties: {
        cert: str,
        key: str,
        client_ca: str,
        cert_file: str,
        key_file: str,
        client_auth_type: { enum: [...CLIENT_AUTH_TYPES, ''] },
        client_ca_file: str,
        client_allowed_sans: strings,
        min_version: { enum: TLS_VERSIONS },
        max_version: { enum: TLS_VERSIONS },
        cipher_suites: strings,
        prefer_server_cipher_suites: { type: 'boolean' },
        curve_preferences: strings,
      },
    },
    http_server_config: {
      type: ['object', 'null'],
      additionalProperties: false,
      properties: {
        http2: { type: 'boolean' },
        headers: { type: ['object', 'null'], additionalProperties: str },
      },
    },
    basic_auth_users: { type: ['object', 'null'], additionalProperties: str },
    rate_limit: {
      type: ['object', 'null'],
      additionalProperties: false,
      properties: {
        // A Go duration (1s, 100ms); YAML may hand over 0 as a number.
        interval: { type: ['string', 'integer'] },
        burst: { type: 'integer', minimum: 0 },
      },
    },
  },
} as const;
