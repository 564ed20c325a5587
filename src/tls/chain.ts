/**
 * Pure helpers about issued certificates that need no X.509 parsing: the order of a chain and
 * when a certificate is due for renewal. Kept apart from `certificate.ts` so that the decision
 * step does not load the DER and X.509 code.
 */
import { TlsError } from "./errors.ts";
import { samePem } from "./pem.ts";

/**
 * The provider's chain, leaf first, for a `kubernetes.io/tls` Secret's `tls.crt` (the Gateway
 * serves the first certificate as its own). The v4 provider writes leaf → root, but some
 * providers write root first: the Python charm reverses the chain when `chain[0]` is not the
 * leaf, and so do we. Where it would fail we fall back instead:
 * - an empty chain (the Python charm crashes on `chain[0]`) gives [leaf, ca];
 * - a chain that lacks the leaf altogether gets it put in front, keeping the provider's order,
 *   since a `tls.crt` that does not start with the leaf cannot be served at all;
 * - the leaf appears once: elsewhere in the chain, or as the CA, it is left out.
 * Certificates are compared by DER, so re-wrapped PEM text still matches.
 */
export function leafFirstChain(
  certificatePem: string,
  chain: readonly string[],
  caPem: string,
): string[] {
  const isLeaf = (pem: string) => samePem(pem, certificatePem);
  if (chain.length === 0) {
    return caPem.trim() && !isLeaf(caPem) ? [certificatePem, caPem] : [certificatePem];
  }
  const ordered = !isLeaf(chain[0]) && isLeaf(chain[chain.length - 1])
    ? [...chain].reverse()
    : chain;
  // The leaf once, first (the provider's copy where it leads the chain): never again after it.
  return [
    isLeaf(ordered[0]) ? ordered[0] : certificatePem,
    ...ordered.filter((pem) => !isLeaf(pem)),
  ];
}

/**
 * When a certificate is due for renewal: `now + (notAfter − now) × ratio`, the expiry the
 * library gives the certificate's secret (default ratio 0.9; it must be in (0.5, 1]). Measured
 * from `now`, not from notBefore, so a certificate seen late still gets most of its remaining
 * life. Pure: the caller passes the clock.
 */
export function renewalTime(now: Date, notAfter: Date, ratio = 0.9): Date {
  if (!(ratio > 0.5 && ratio <= 1)) throw new TlsError(`renewal ratio ${ratio} not in (0.5, 1]`);
  return new Date(now.getTime() + (notAfter.getTime() - now.getTime()) * ratio);
}
