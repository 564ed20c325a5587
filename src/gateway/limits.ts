/**
 * What the API server accepts in the fields the charm fills from config and relation data
 * (Gateway API v1 CRD schemas and core validation; see k8s-gateway.md): checked when the data is
 * parsed, so that nothing the server would refuse is ever built. Pure; each check returns why a
 * value is refused, or null.
 */
import { httpListenerName, httpsListenerName } from "./names.ts";

/** `listeners[].hostname` and `HTTPRoute.spec.hostnames[]`: at most 253 characters. */
export const MAX_HOSTNAME = 253;
/** A DNS label, and a label value: at most 63 characters. */
export const MAX_LABEL = 63;
/** `listeners[].name` (SectionName): at most 253 characters. */
export const MAX_SECTION_NAME = 253;
/** `spec.listeners`: at most 64. Each hostname may need an HTTP and an HTTPS listener, and an IP
 * certificate one more HTTPS listener: 2 × 31 + 1 = 63. */
export const MAX_GATEWAY_HOSTNAMES = 31;

// The CRDs' hostname pattern without its leading `*.`: listener names embed the hostname, and a
// `*` is not allowed in a listener name.
const HOSTNAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Why a (normalised: lower case, ASCII) hostname cannot be a Gateway listener's, or null. */
export function gatewayHostnameProblem(host: string): string | null {
  if (host.length > MAX_HOSTNAME) return `is longer than ${MAX_HOSTNAME} characters`;
  if (host.split(".").some((label) => label.length > MAX_LABEL)) {
    return `has a label longer than ${MAX_LABEL} characters`;
  }
  if (!HOSTNAME.test(host)) {
    return 'is not a Gateway API hostname (lower-case letters, digits, "-" and "." only)';
  }
  return null;
}

/** Why a hostname cannot be served by the Gateway `gateway` (its listener names embed it). */
export function listenerHostnameProblem(gateway: string, host: string): string | null {
  const problem = gatewayHostnameProblem(host);
  if (problem !== null) return problem;
  const longest = [httpListenerName(gateway, host), httpsListenerName(gateway, host)]
    .reduce((a, b) => (b.length > a.length ? b : a));
  if (longest.length > MAX_SECTION_NAME) {
    return `is too long for a listener name (${longest.length} characters, at most ${MAX_SECTION_NAME})`;
  }
  return null;
}
