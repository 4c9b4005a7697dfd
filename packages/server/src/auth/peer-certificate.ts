import type { Socket } from 'node:net';
import { TLSSocket } from 'node:tls';

/** The client certificate of a TLS connection, as far as authentication needs it. */
export interface PeerCertificateInfo {
  /** Whether it chains to the configured client CA. */
  authorized: boolean;
  /** OpenSSL's reason when not authorized, e.g. `UNABLE_TO_VERIFY_LEAF_SIGNATURE`. */
  authorizationError?: string;
  /** Subject attributes (`CN`, `O`, `OU`, ...); repeated attributes are arrays. */
  subject: Readonly<Record<string, string | string[]>>;
  /** e.g. `DNS:a.example, email:x@y, URI:spiffe://...` */
  subjectAltName?: string;
  /** SHA-256 fingerprint, `AB:CD:...`. */
  fingerprint256: string;
}

/** What the request arrived on: plain HTTP, or TLS with or without a client certificate. */
export interface Transport {
  tls: boolean;
  /** The client certificate, when one was presented. */
  peer?: PeerCertificateInfo;
}

/** Reads the transport of a socket (Node's TLS API; nothing here knows about HTTP). */
export function transportOf(socket: Socket | undefined): Transport {
  if (!(socket instanceof TLSSocket)) return { tls: false };
  const cert = socket.getPeerCertificate();
  // An empty object means no certificate was presented.
  if (!cert || Object.keys(cert).length === 0 || !cert.fingerprint256) return { tls: true };
  const err = socket.authorizationError;
  return {
    tls: true,
    peer: {
      authorized: socket.authorized,
      ...(err ? { authorizationError: err instanceof Error ? err.message : String(err) } : {}),
      subject: { ...(cert.subject as unknown as Record<string, string | string[]>) },
      ...(cert.subjectaltname ? { subjectAltName: cert.subjectaltname } : {}),
      fingerprint256: cert.fingerprint256,
    },
  };
}
