/**
 * What the charm wants in the cluster and on the wire for a given state: the desired objects of
 * each kind, and each requirer's URL. Pure: the reconcile gathers the inputs and applies this.
 */
import type { CharmConfig } from "../config.ts";
import type { DesiredSet } from "../k8s/reconcile.ts";
import { KINDS, type KubeObject } from "../k8s/types.ts";
import { asciiHostname } from "../net.ts";
import { urlHost } from "./address.ts";
import type { L4Plan } from "./l4.ts";
import { ingressPath, routeName, secretName, serviceName } from "./names.ts";
import {
  type Backend,
  renderForwardingRoute,
  renderGateway,
  renderRedirectRoute,
  renderService,
  renderTlsSecret,
} from "./objects.ts";

/** A certificate ready to serve on an HTTPS listener. */
export interface IssuedTls {
  /** The hostname, or the Gateway IP for an IP certificate. */
  readonly target: string;
  readonly chain: readonly string[];
  readonly privateKey: string;
}

export interface GatewayPlanInput {
  readonly gateway: string;
  readonly namespace: string;
  readonly config: CharmConfig;
  /** Hostnames the Gateway serves (sorted, lower case): one HTTP listener each. */
  readonly hostnames: readonly string[];
  readonly issued: readonly IssuedTls[];
  /** Valid ingress requirers (ingress mode only), in a stable order. */
  readonly backends: readonly Backend[];
  /** Whether the charm owns routes and Services (ingress mode with a valid state). */
  readonly routes: boolean;
  /** L4 listeners, routes and Services (`l4.ts` `planL4`); none when absent. */
  readonly l4?: L4Plan;
  /** Other endpoints' HTTPRoutes (traefik-route), on the same listeners. */
  readonly httpRoutes?: readonly KubeObject[];
}

/** How many HTTP and HTTPS listeners the Gateway gets (the rest of its 64 are for L4). */
export function httpListenerCount(input: Pick<GatewayPlanInput, "hostnames" | "issued">): number {
  return Math.max(input.hostnames.length, 1) + input.issued.length;
}

/** A hostname as Gateway API and certificates want it: lower case, internationalised names in
 * their ASCII (punycode) form. */
export function normalHostname(hostname: string): string {
  return asciiHostname(hostname) ?? hostname.toLowerCase();
}

/** The ingress hostname, normalised. */
export function ingressHost(config: CharmConfig): string | null {
  return config.externalHostname === null ? null : normalHostname(config.externalHostname);
}

/** Whether HTTPS serves the ingress host: enforced, or enabled with its certificate issued. */
export function httpsServed(input: GatewayPlanInput, host: string | null): boolean {
  if (input.config.enforceHttps) return true;
  return host === null ? input.issued.length > 0 : input.issued.some((tls) => tls.target === host);
}

/** The scheme and host every requirer's URL starts with, or null when none can be known yet. */
export function urlBase(input: GatewayPlanInput, address: string | null): string | null {
  const host = input.hostnames[0] ?? null;
  const https = httpsServed(input, host);
  if (host !== null) return `${https ? "https" : "http"}://${host}`;
  if (https || address === null) return null;
  return `http://${urlHost(address)}`;
}

export function ingressUrl(base: string, backend: Backend): string {
  return `${base}${ingressPath(backend.model, backend.app)}`;
}

/** Desired objects, in the order they are applied: Secrets, Gateway, Services, then routes. */
export function desiredObjects(input: GatewayPlanInput): DesiredSet[] {
  const secrets = input.issued.map((tls) =>
    renderTlsSecret(secretName(input.gateway, tls.target), tls.chain, tls.privateKey)
  );
  const gateway = renderGateway({
    name: input.gateway,
    gatewayClass: input.config.gatewayClass ?? "",
    hostnames: input.hostnames,
    // An IP target keeps its address in the listener name; renderGateway leaves out the hostname.
    tls: input.issued.map((tls) => ({
      host: tls.target,
      secretName: secretName(input.gateway, tls.target),
    })),
    l4: input.l4?.listeners,
  });
  const services: KubeObject[] = [];
  const routes: KubeObject[] = [];
  if (input.routes) {
    const host = input.hostnames[0] ?? null;
    const options = { gateway: input.gateway, namespace: input.namespace, host };
    const https = httpsServed(input, host);
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
  routes.push(...(input.httpRoutes ?? []));
  services.push(...(input.l4?.services ?? []));
  // L4 routes go before the Gateway: a route removed with its listener is deleted first, so that
  // a hook cut short in between still finds the listener, and with it lists the route kind.
  const l4Routes = (input.l4?.routeKinds ?? []).map((kind) => ({
    kind,
    objects: (input.l4?.routes ?? []).filter((route) => route.kind === kind.kind),
    isolated: true,
  }));
  // A requirer's Service and routes stand alone: one the API refuses costs only that requirer.
  return [
    { kind: KINDS.secret, objects: secrets },
    ...l4Routes,
    { kind: KINDS.gateway, objects: [gateway] },
    { kind: KINDS.service, objects: services, isolated: true },
    { kind: KINDS.httpRoute, objects: routes, isolated: true },
  ];
}

/** The objects (`Kind/name`) that belong to one requirer alone. */
export function backendObjects(gateway: string, backend: Backend): string[] {
  return [
    `${KINDS.service.kind}/${serviceName(gateway, backend.app)}`,
    `${KINDS.httpRoute.kind}/${routeName(gateway, backend.app, "http")}`,
    `${KINDS.httpRoute.kind}/${routeName(gateway, backend.app, "https")}`,
  ];
}
