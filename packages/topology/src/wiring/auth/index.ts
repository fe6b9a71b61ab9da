export type { InvalidTokenReason } from './auth-error.js'
export { authPlugin } from './auth-plugin.js'
export type { AuthPluginOptions } from './auth-plugin.js'
export { bearerChallenge, readBearer } from './bearer.js'
export type { BearerChallenge, BearerCredentials, BearerErrorCode } from './bearer.js'
export { basicAuthorization } from './client-secrets.js'
export { systemClock } from './clock.js'
export type { Clock } from './clock.js'
export type { Identity } from './identity.js'
export { identityGuard } from './identity-guard.js'
export { jwksPlugin } from './jwks-plugin.js'
export type { JwksPluginOptions } from './jwks-plugin.js'
export { createKeySet, importKeySet, KeySet, SIGNING_ALGORITHM } from './key-set.js'
export type { Jwks, KeyEntry, KeySetOptions } from './key-set.js'
export type { KeyDocument, KeySetDocument } from './key-set-document.js'
export { createRemoteKeys } from './remote-keys.js'
export type { RemoteJwksOptions } from './remote-keys.js'
export { remoteServiceTokens } from './remote-service-tokens.js'
export type { RemoteServiceTokensOptions } from './remote-service-tokens.js'
export { isRole, ROLES } from './roles.js'
export type { Role } from './roles.js'
export type { RouteAccess } from './route-access.js'
export {
  createServiceTokenSource,
  localServiceTokens,
  outgoingAuthorization,
} from './service-tokens.js'
export type {
  ExpiringToken,
  LocalServiceTokensOptions,
  ServiceTokenSource,
  ServiceTokenSourceOptions,
} from './service-tokens.js'
export { tokenEndpointPlugin } from './token-endpoint-plugin.js'
export type { TokenEndpointOptions } from './token-endpoint-plugin.js'
export { createTokenMinter, mintToken, TOKEN_DEFAULTS } from './token-minter.js'
export type {
  MintTokenOptions,
  MintTokenRequest,
  TokenAudience,
  TokenMinter,
  TokenMinterOptions,
} from './token-minter.js'
export { createTokenVerifier } from './token-verifier.js'
export type { TokenVerifier, TokenVerifierOptions } from './token-verifier.js'
