/**
 * The Gateway's addresses as its controller reports them in `status.addresses`: IPv4, IPv6 and
 * DNS names (a cloud load balancer's hostname) are all usable; anything else is reported.
 */
import type { KubeObject } from "../k8s/types.ts";
import { ipVersion } from "../net.ts";

export interface GatewayAddresses {
  /** Usable addresses in the controller's order. */
  readonly usable: readonly string[];
  /** Values that are neither an IP nor a host name. */
  readonly unsupported: readonly string[];
}

const HOSTNAME = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/i;

export function gatewayAddresses(gateway: KubeObject | undefined): GatewayAddresses {
  const status = gateway?.status as { addresses?: { value?: unknown }[] } | undefined;
  const usable: string[] = [];
  const unsupported: string[] = [];
  for (const entry of Array.isArray(status?.addresses) ? status.addresses : []) {
    const value = typeof entry?.value === "string" ? entry.value.trim() : "";
    if (value === "") continue;
    // A dotted run of digits that is not an IP (10.0.0.256) is no host name either.
    if (ipVersion(value) !== 0 || (HOSTNAME.test(value) && !/^[\d.]+$/.test(value))) {
      if (!usable.includes(value)) usable.push(value);
    } else {
      unsupported.push(value);
    }
  }
  return { usable, unsupported };
}

/** An address as the host part of a URL: IPv6 in brackets. */
export function urlHost(address: string): string {
  return ipVersion(address) === 6 ? `[${address}]` : address.toLowerCase();
}
