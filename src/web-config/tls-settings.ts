// Turns a validated tls_server_config (Go crypto/tls names) and the PEM it points at into Node TLS server options
// and the client-certificate policy Node has no option for.

import { X509Certificate } from 'node:crypto';
import { createSecureContext, type SecureContextOptions, type TLSSocket } from 'node:tls';
import { ConfigError } from '../errors.js';
import type { ClientAuthType, TlsVersionName, WebConfigFile } from './web-config-schema.js';

export interface TlsSettings {
  /** What tls.Server#setSecureContext takes: certificate, key, client CAs, versions, ciphers, curves. */
  secureContext: SecureContextOptions;
  /** The toolkit's policy, RequireClientCert normalised to RequireAnyClientCert. */
  clientAuth: Exclude<ClientAuthType, 'RequireClientCert'>;
  /** Ask the client for a certificate during the handshake. */
  requestCert: boolean;
  /** Let OpenSSL refuse a handshake whose client certificate is missing or does not verify. */
  rejectUnauthorized: boolean;
  /** The client certificate must carry one of these SANs (DNS, IP, email or URI), when set. */
  allowedSans: readonly string[] | undefined;
}

const NODE_VERSIONS: Record<TlsVersionName, 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3'> = {
  TLS10: 'TLSv1',
  TLS11: 'TLSv1.1',
  TLS12: 'TLSv1.2',
  TLS13: 'TLSv1.3',
};
const VERSION_ORDER: readonly TlsVersionName[] = ['TLS10', 'TLS11', 'TLS12', 'TLS13'];

/**
 * Go's tls.CipherSuites() names (the ones exporter-toolkit accepts) to OpenSSL's. Go applies cipher_suites only up
 * to TLS 1.2 and never lets TLS 1.3 suites be chosen, so the three TLS 1.3 names are accepted and left to OpenSSL's
 * defaults, as Go leaves them to its own.
 */
const OPENSSL_CIPHERS: Record<string, string | null> = {
  TLS_AES_128_GCM_SHA256: null,
  TLS_AES_256_GCM_SHA384: null,
  TLS_CHACHA20_POLY1305_SHA256: null,
  TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA: 'ECDHE-ECDSA-AES128-SHA',
  TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA: 'ECDHE-ECDSA-AES256-SHA',
  TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA: 'ECDHE-RSA-AES128-SHA',
  TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA: 'ECDHE-RSA-AES256-SHA',
  TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256: 'ECDHE-ECDSA-AES128-GCM-SHA256',
  TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384: 'ECDHE-ECDSA-AES256-GCM-SHA384',
  TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256: 'ECDHE-RSA-AES128-GCM-SHA256',
  TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384: 'ECDHE-RSA-AES256-GCM-SHA384',
  TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256: 'ECDHE-RSA-CHACHA20-POLY1305',
  TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256: 'ECDHE-ECDSA-CHACHA20-POLY1305',
};
/** OpenSSL takes TLS 1.3 suites in the same list; keeping its defaults leaves TLS 1.3 as Go leaves it. */
const TLS13_SUITES = 'TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256';

const OPENSSL_CURVES: Record<string, string> = {
  CurveP256: 'P-256',
  CurveP384: 'P-384',
  CurveP521: 'P-521',
  X25519: 'X25519',
  X25519MLKEM768: 'X25519MLKEM768',
};
/**
 * Groups Go knows (X25519MLKEM768 since Go 1.24, in exporter-toolkit's own test files) that OpenSSL has only from
 * 3.5 on. With an older OpenSSL such a group is accepted and left out of what the server offers, as a client's
 * preference for it would go unmet anyway; a list of nothing else is refused.
 */
const NEWER_OPENSSL_CURVES = new Set(['X25519MLKEM768']);
const curveAvailable = new Map<string, boolean>();
function opensslHasCurve(name: string): boolean {
  let known = curveAvailable.get(name);
  if (known === undefined) {
    try {
      createSecureContext({ ecdhCurve: name });
      known = true;
    } catch {
      known = false;
    }
    curveAvailable.set(name, known);
  }
  return known;
}

/** Whether the section turns TLS on: exporter-toolkit's TLSConfig.IsEnabled (versions alone do not). */
export function tlsEnabled(c: NonNullable<WebConfigFile['tls_server_config']>): boolean {
  return Boolean(c.cert_file || c.cert || c.key_file || c.key || c.client_ca_file || c.client_ca || c.client_auth_type);
}

/** The PEM the section refers to, read by the caller (files resolved against the config file's folder). */
export interface TlsMaterial {
  cert: Buffer | string;
  key: Buffer | string;
  clientCa: Buffer | string | undefined;
}

function opensslReason(err: unknown): string {
  const e = err as { reason?: string; message?: string };
  return e.reason ?? e.message ?? String(err);
}

/** Builds the settings, or throws ConfigError naming the key at fault. */
export function buildTlsSettings(c: NonNullable<WebConfigFile['tls_server_config']>, pem: TlsMaterial): TlsSettings {
  const clientAuth =
    c.client_auth_type === 'RequireClientCert' ? 'RequireAnyClientCert' : c.client_auth_type || 'NoClientCert';
  const min = c.min_version ?? 'TLS12';
  const max = c.max_version ?? 'TLS13';
  if (VERSION_ORDER.indexOf(min) > VERSION_ORDER.indexOf(max)) {
    throw new ConfigError(`${min} is above max_version ${max}`, 'tls_server_config.min_version');
  }
  const hasCa = (c.client_ca_file ?? undefined) !== undefined || (c.client_ca ?? undefined) !== undefined;
  if (hasCa && clientAuth === 'NoClientCert') {
    throw new ConfigError(
      'client CAs are set without a client_auth_type that asks for a certificate',
      'tls_server_config.client_ca_file',
    );
  }
  if (c.client_allowed_sans && clientAuth !== 'RequireAnyClientCert' && clientAuth !== 'RequireAndVerifyClientCert') {
    throw new ConfigError(
      'needs client_auth_type RequireAnyClientCert or RequireAndVerifyClientCert (the others let a client send no certificate)',
      'tls_server_config.client_allowed_sans',
    );
  }

  const ciphers: string[] = [];
  for (const name of c.cipher_suites ?? []) {
    const mapped = OPENSSL_CIPHERS[name];
    if (mapped === undefined) throw new ConfigError(`unknown cipher "${name}"`, 'tls_server_config.cipher_suites');
    if (mapped !== null) ciphers.push(mapped);
  }
  const curves: string[] = [];
  for (const name of c.curve_preferences ?? []) {
    const mapped = OPENSSL_CURVES[name];
    if (mapped === undefined) throw new ConfigError(`unknown curve "${name}"`, 'tls_server_config.curve_preferences');
    if (NEWER_OPENSSL_CURVES.has(name) && !opensslHasCurve(mapped)) continue;
    curves.push(mapped);
  }
  if (curves.length === 0 && (c.curve_preferences ?? []).length > 0) {
    throw new ConfigError(
      `none of them is available in this build's OpenSSL ${process.versions.openssl}`,
      'tls_server_config.curve_preferences',
    );
  }

  const secureContext: SecureContextOptions = {
    cert: pem.cert,
    key: pem.key,
    minVersion: NODE_VERSIONS[min],
    maxVersion: NODE_VERSIONS[max],
    honorCipherOrder: c.prefer_server_cipher_suites ?? true,
    ...(pem.clientCa !== undefined && { ca: pem.clientCa }),
    ...(ciphers.length > 0 && { ciphers: `${TLS13_SUITES}:${ciphers.join(':')}` }),
    ...(curves.length > 0 && { ecdhCurve: curves.join(':') }),
  };
  // OpenSSL checks the PEM, that the key matches the certificate, and the names: fail now, not at the first client.
  try {
    createSecureContext({ cert: pem.cert, key: pem.key });
  } catch (err) {
    throw new ConfigError(`certificate and key: ${opensslReason(err)}`, 'tls_server_config');
  }
  if (pem.clientCa !== undefined) {
    // OpenSSL (like Go's AppendCertsFromPEM) skips what is not a certificate, which would leave every client
    // certificate failing to verify for no visible reason: refuse a CA file without one readable certificate.
    const key =
      (c.client_ca_file ?? undefined) !== undefined
        ? 'tls_server_config.client_ca_file'
        : 'tls_server_config.client_ca';
    const blocks = String(pem.clientCa).match(/-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g) ?? [];
    if (blocks.length === 0) throw new ConfigError('no PEM certificate in it', key);
    for (const block of blocks) {
      try {
        new X509Certificate(block);
      } catch (err) {
        throw new ConfigError(`a certificate does not parse: ${opensslReason(err)}`, key);
      }
    }
  }
  try {
    createSecureContext(secureContext);
  } catch (err) {
    throw new ConfigError(
      opensslReason(err),
      ciphers.length > 0 ? 'tls_server_config.cipher_suites' : 'tls_server_config',
    );
  }

  return {
    secureContext,
    clientAuth,
    requestCert: clientAuth !== 'NoClientCert',
    rejectUnauthorized: clientAuth === 'RequireAndVerifyClientCert',
    allowedSans: c.client_allowed_sans ?? undefined,
  };
}

/** The SAN values of a peer certificate's subjectaltname ("DNS:a, IP Address:127.0.0.1, URI:..."). */
export function sanValues(subjectaltname: string | undefined): string[] {
  if (!subjectaltname) return [];
  return subjectaltname.split(/,\s*/).map((entry) => entry.slice(entry.indexOf(':') + 1));
}

/**
 * Why an established TLS connection breaks the client-certificate policy, or undefined when it does not. OpenSSL
 * enforces RequireAndVerifyClientCert itself; Go's RequireAnyClientCert (a certificate, unverified),
 * VerifyClientCertIfGiven (none, or one that verifies) and client_allowed_sans have no OpenSSL switch.
 */
export function clientCertViolation(
  settings: TlsSettings,
  socket: Pick<TLSSocket, 'authorized' | 'getPeerCertificate'>,
): string | undefined {
  if (!settings.requestCert) return undefined;
  const peer = socket.getPeerCertificate();
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- typed as an object, but null once the socket is destroyed (Node's documentation)
  const presented = peer !== null && typeof peer === 'object' && Object.keys(peer).length > 0;
  switch (settings.clientAuth) {
    case 'RequireAnyClientCert':
      if (!presented) return 'no client certificate';
      break;
    case 'VerifyClientCertIfGiven':
      if (presented && !socket.authorized) return 'client certificate does not verify';
      break;
    case 'RequireAndVerifyClientCert':
      if (!presented || !socket.authorized) return 'no verified client certificate';
      break;
    default:
      break;
  }
  if (settings.allowedSans !== undefined) {
    const sans = sanValues(presented ? peer.subjectaltname : undefined);
    if (!sans.some((s) => settings.allowedSans!.includes(s)))
      return 'client certificate has none of client_allowed_sans';
  }
  return undefined;
}
