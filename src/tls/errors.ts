/** The TLS module's one error type: callers tell bad key/certificate input apart from bugs. */

/** Malformed, unsupported or mismatched key, CSR, certificate or PEM input. */
export class TlsError extends Error {
  override name = "TlsError";
}
