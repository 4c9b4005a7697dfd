export {
  type AdminKeyBootstrap,
  addApiKey,
  authenticateApiKey,
  bootstrapAdminKey,
  generateApiKey,
  hashApiKey,
  keyPrefix,
} from './api-keys.js';
export {
  type Authenticator,
  type AuthenticatorOptions,
  type Credentials,
  createAuthenticator,
  credentialsOf,
  hasCredentials,
} from './auth-chain.js';
export type { AuthMethod, Identity } from './identity.js';
export {
  createJwtVerifier,
  type JwtClaimNames,
  type JwtVerifier,
  type JwtVerifierOptions,
  type StaticJwtKey,
  type VerifiedJwt,
} from './jwt-verifier.js';
export { type MtlsMapping, principalFromCertificate, type SubjectField, subjectString } from './mtls.js';
export type { JwksCacheOptions, OidcIssuerOptions } from './oidc-issuer.js';
export { type PeerCertificateInfo, type Transport, transportOf } from './peer-certificate.js';
export type { AuthFailureDetails, Principal } from './principal.js';
