export { createCertificateAuthority, issueServiceCertificates } from './certificate-authority.js'
export type {
  CertificateAuthority,
  CertificateAuthorityOptions,
  CertificateBundle,
} from './certificate-authority.js'
export type { CertificateRequest } from './certificate-request.js'
export { createMtlsAgent, mtlsServerOptions, peerCommonName } from './mtls-options.js'
export type { MtlsAgentOptions, MtlsServerOptions } from './mtls-options.js'
