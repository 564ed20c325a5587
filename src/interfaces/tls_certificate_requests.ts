/**
 * Our side of the `tls-certificates` interface that needs no parsing: how our CSRs are written
 * to our application databag and compared. Kept apart from the provider's schemas
 * (`tls_certificates.ts`), so that a reconcile without a certificates relation loads neither
 * them nor the X.509 code.
 */

/** Whether two PEMs are the same CSR, ignoring surrounding whitespace (trailing newlines). */
export function sameCsr(a: string, b: string): boolean {
  return a.trim() === b.trim();
}

/**
 * Our application databag for the given CSRs (PEM): each goes in stripped with `ca: false`.
 * With none, the key is deleted, as the libraries leave it out when the list is empty.
 */
export function renderCertificateRequests(csrs: readonly string[]): Record<string, string> {
  if (csrs.length === 0) return { certificate_signing_requests: "" };
  const requests = csrs.map((csr) => ({ certificate_signing_request: csr.trim(), ca: false }));
  return { certificate_signing_requests: JSON.stringify(requests) };
}
