/**
 * What the API server accepts in the fields the charm fills from config and relation data
 * (Gateway API v1 CRD schemas and core validation; see k8s-gateway.md): checked when the data is
 * parsed, so that nothing the server would refuse is ever built. Pure; each check returns why a
 * value is refused, or null.
 */
import { dashed, httpListenerName, httpsListenerName } from "./names.ts";

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

/** Listener names write each "." and ":" of a hostname as "-", so hostnames that differ only
 * there (`a.b-c.com`, `a-b.c.com`) would share one: the key they share. */
export const listenerKey = dashed;

/** Why hostnames that differ only in "." and "-" cannot each have a listener. */
export const LISTENER_NAME_RULE = 'a listener\'s name has "-" for each "." of its hostname';

/** Why a hostname cannot have a listener: `other` (of `whose`, when said) already has its name. */
export function sharedListenerProblem(other: string, whose?: string): string {
  return `would share its Gateway listener with ${JSON.stringify(other.slice(0, 100))}` +
    (whose === undefined ? "" : `, ${whose}`) + `: ${LISTENER_NAME_RULE}`;
}

/**
 * The first of `hosts` whose listener another hostname already has (in `taken`, listener key →
 * hostname, or earlier in `hosts`), with that hostname; null when each has its own listener. The
 * same hostname twice shares its listener, as it should.
 */
export function listenerClash(
  hosts: readonly string[],
  taken: ReadonlyMap<string, string>,
): { host: string; other: string; taken: boolean } | null {
  const own = new Map<string, string>();
  for (const host of hosts) {
    const key = listenerKey(host);
    const before = taken.get(key);
    if (before !== undefined && before !== host) return { host, other: before, taken: true };
    const mine = own.get(key);
    if (mine !== undefined && mine !== host) return { host, other: mine, taken: false };
    own.set(key, host);
  }
  return null;
}
