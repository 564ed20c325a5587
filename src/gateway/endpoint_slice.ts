/**
 * The backend of a requirer in another model: its Service has no selector (no pod of ours can
 * match), and EndpointSlices list its units' addresses (one slice per address family, as
 * Kubernetes wants), tied to the Service by the `kubernetes.io/service-name` label and with the
 * Service port's name, so the Gateway's data plane reaches the units directly.
 */
import type { KubeObject } from "../k8s/types.ts";
import { ipVersion } from "../net.ts";
import { serviceName } from "./names.ts";
import type { Backend } from "./objects.ts";

export const SERVICE_NAME_LABEL = "kubernetes.io/service-name";
export const SLICE_MANAGER_LABEL = "endpointslice.kubernetes.io/managed-by";
/** Not the EndpointSlice controller's value: it leaves these slices alone. */
export const SLICE_MANAGER = "gateway-api-integrator.charm.juju.is";

/** The slices' names for one backend: the Service's, with the family for IPv6. */
export function endpointSliceNames(gateway: string, app: string): { v4: string; v6: string } {
  const service = serviceName(gateway, app);
  return { v4: service, v6: `${service}-ipv6` };
}

/** The EndpointSlices of a cross-model backend (none for a same-model one). */
export function renderEndpointSlices(gateway: string, backend: Backend): KubeObject[] {
  if (backend.addresses === undefined) return [];
  const names = endpointSliceNames(gateway, backend.app);
  const slices: KubeObject[] = [];
  for (const family of [4, 6] as const) {
    const addresses = [...new Set(backend.addresses.filter((ip) => ipVersion(ip) === family))]
      .sort();
    if (addresses.length === 0) continue;
    slices.push({
      apiVersion: "discovery.k8s.io/v1",
      kind: "EndpointSlice",
      metadata: {
        name: family === 4 ? names.v4 : names.v6,
        labels: {
          [SERVICE_NAME_LABEL]: serviceName(gateway, backend.app),
          [SLICE_MANAGER_LABEL]: SLICE_MANAGER,
        },
      },
      addressType: family === 4 ? "IPv4" : "IPv6",
      endpoints: addresses.map((ip) => ({ addresses: [ip], conditions: { ready: true } })),
      ports: [{ name: `tcp-${backend.port}`, port: backend.port, protocol: "TCP" }],
    });
  }
  return slices;
}

/** Whether a live Service of ours is a cross-model backend's (it has no selector). */
export function isSelectorless(service: KubeObject): boolean {
  const spec = service.spec as { selector?: Record<string, string> } | undefined;
  return spec?.selector === undefined || Object.keys(spec.selector).length === 0;
}
