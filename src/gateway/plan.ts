/**
 * What the charm wants in the cluster and on the wire for a given state: the desired objects of
 * each kind, and each requirer's URL. Pure: the reconcile gathers the inputs and applies this.
 */
import type { CharmConfig } from "../config.ts";
import type { DesiredSet } from "../k8s/reconcile.ts";
import { KINDS, type KubeObject } from "../k8s/types.ts";
import { urlHost } from "./address.ts";
import { ingressPath } from "./names.ts";
import {
  type Backend,
  renderForwardingRoute,
  renderGateway,
  renderRedirectRoute,
  renderService,
  type TlsTarget,
} from "./objects.ts";

export interface IngressPlanInput {
  readonly gateway: string;
  readonly namespace: string;
  readonly config: CharmConfig;
  /** Whether a certificates relation exists (HTTPS is then wanted, even while certificates are pending). */
  readonly certificatesRelated: boolean;
  /** HTTPS listeners whose certificates are issued. */
  readonly tls: readonly TlsTarget[];
  /** Valid requirers, in a stable order. */
  readonly backends: readonly Backend[];
}

/** The ingress hostname, lower-cased as Gateway API wants host names. */
export function ingressHost(config: CharmConfig): string | null {
  return config.externalHostname === null ? null : config.externalHostname.toLowerCase();
}

/** The scheme and host every requirer's URL starts with, or null when none can be known yet. */
export function urlBase(input: IngressPlanInput, address: string | null): string | null {
  const host = ingressHost(input.config);
  const https = input.config.enforceHttps || input.tls.length > 0;
  if (host !== null) return `${https ? "https" : "http"}://${host}`;
  if (https || address === null) return null;
  return `http://${urlHost(address)}`;
}

export function ingressUrl(base: string, backend: Backend): string {
  return `${base}${ingressPath(backend.model, backend.app)}`;
}

/** Desired objects, in the order they are applied: Gateway, Services, then routes. */
export function desiredObjects(input: IngressPlanInput, routesWanted: boolean): DesiredSet[] {
  const host = ingressHost(input.config);
  const gateway = renderGateway({
    name: input.gateway,
    gatewayClass: input.config.gatewayClass ?? "",
    hostnames: host === null ? [] : [host],
    tls: input.tls,
  });
  const services: KubeObject[] = [];
  const routes: KubeObject[] = [];
  if (routesWanted) {
    const options = { gateway: input.gateway, namespace: input.namespace, host };
    const https = input.config.enforceHttps || input.tls.length > 0;
    for (const backend of input.backends) {
      services.push(renderService(input.gateway, backend));
      if (!input.config.enforceHttps) {
        routes.push(renderForwardingRoute(options, backend, "http", null));
      }
      if (https) {
        const hsts = input.config.enforceHttps ? input.config.hstsMaxAge : null;
        routes.push(renderForwardingRoute(options, backend, "https", hsts));
      }
    }
    if (input.config.enforceHttps && input.backends.length > 0) {
      routes.push(renderRedirectRoute(options));
    }
  }
  return [
    { kind: KINDS.gateway, objects: [gateway] },
    { kind: KINDS.service, objects: services },
    { kind: KINDS.httpRoute, objects: routes },
  ];
}
