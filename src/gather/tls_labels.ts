/**
 * Labels of the TLS key and certificate secrets: the charm library's, so an upgrade from the
 * Python charm keeps them. Kept apart from `tls.ts` so hooks without TLS do not load X.509 code.
 */
const LIBID = "afd8c2bccf834997afce12c2706d2ede";
export const PRIVATE_KEY_LABEL = `${LIBID}-private-key-certificates`;
export const CERTIFICATE_LABEL_PREFIX = `${LIBID}-certificate-certificates-`;

export function isCertificateSecret(label: string | null | undefined): boolean {
  return label?.startsWith(CERTIFICATE_LABEL_PREFIX) ?? false;
}

/** Whether a secret is one of the charm's TLS secrets (the key or a certificate's). */
export function isTlsSecret(label: string | null | undefined): boolean {
  return label === PRIVATE_KEY_LABEL || isCertificateSecret(label);
}
