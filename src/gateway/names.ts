/**
 * Object and listener names. Where the Python charm names an object, ours has the same name, so
 * an upgrade adopts the existing objects; every name is a valid Kubernetes name of at most 63
 * characters (the Python charm does not shorten Service or Secret names; we do).
 */
import { md5Hex } from "./md5.ts";

/** The Python charm's rule: names over 63 characters become their first 54 characters (trailing
 * `-` removed), `-`, and the first 8 hex digits of the MD5 of the whole name. */
export function truncate63(name: string): string {
  if (name.length <= 63) return name;
  return `${name.slice(0, 54).replace(/-+$/, "")}-${md5Hex(name).slice(0, 8)}`;
}

/** `a.b.c` → `a-b-c`, as listener names embed hostnames (IPv6 colons are not allowed, and
 * `fd00::` must not leave a dash at the end). */
export const dashed = (host: string) =>
  host.replaceAll(".", "-").replaceAll(":", "-").replace(/-+$/, "");

export function httpListenerName(gateway: string, host: string | null): string {
  return host === null ? `${gateway}-http` : `${gateway}-http-${dashed(host)}`;
}

export function httpsListenerName(gateway: string, host: string | null): string {
  return host === null ? `${gateway}-https` : `${gateway}-https-${dashed(host)}`;
}

export function serviceName(gateway: string, requirerApp: string): string {
  return truncate63(`${gateway}-${requirerApp}-service`);
}

/** A requirer's forwarding routes, one per listener protocol. */
export function routeName(
  gateway: string,
  requirerApp: string,
  protocol: "http" | "https",
): string {
  return truncate63(`${gateway}-${requirerApp}-${protocol}`);
}

/** The one HTTP→HTTPS redirect route of the Gateway. */
export function redirectRouteName(gateway: string): string {
  return truncate63(`${gateway}-http-redirect`);
}

/** The Python charm's Secret name, `<app>-secret-<target>` (an IPv6 target's colons, not allowed
 * in names, become dashes, none at the end). Like every name of ours it is at most 63 characters: a longer one
 * (the Python charm leaves it whole) is shortened as `truncate63` does, without a trailing `.`. */
export function secretName(gateway: string, target: string): string {
  // `fd00::` would end in a dash, which no name may.
  const name = `${gateway}-secret-${target.replaceAll(":", "-")}`.replace(/-+$/, "");
  return name.length <= 63
    ? name
    : `${name.slice(0, 54).replace(/[-.]+$/, "")}-${md5Hex(name).slice(0, 8)}`;
}

/** The URL path of a requirer: `/<model>-<app>`. */
export function ingressPath(model: string, app: string): string {
  return `/${model}-${app}`;
}
