/**
 * What the charm wants in the cluster and on the wire for a given state: the desired objects of
 * each kind, and each requirer's URL. Pure: the reconcile gathers the inputs and applies this.
 */
import type { CharmConfig } from "../config.ts";
import type { DesiredSet } from "../k8s/reconcile.ts";
import { KINDS, type KubeObject } from "../k8s/types.ts";
import { asciiHostname } from "../net.ts";
import { urlHost } from "./address.ts";
import { endpointSliceNames, renderEndpointSlices } from "./endpoint_slice.ts";
import type { L4Plan } from "./l4.ts";
import { ingressPath, routeName, secretName, serviceName } from "./names.ts";
import { type Backend, renderGateway, renderService, renderTlsSecret } from "./objects.ts";
import {
  backendTlsNames,
  backendTlsPolicyName,
  caConfigMapName,
  gatewayRedirectRoute,
  type IngressRouting,
  renderBackendTlsPolicy,
  renderCaConfigMap,
  requirerRedirectName,
  requirerRoutes,
  routingOf,
} from "./routing.ts";

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
  /** Set when BackendTLSPolicies and ConfigMaps are converged (their kinds were listed): the
   * CAs received over `receive-ca-cert`. */
  readonly backendTls?: { readonly caCertificates: readonly string[] } | null;
  /** Whether EndpointSlices are managed in this hook (they were listed: a cross-model backend
   * exists or did). */
  readonly endpointSlices?: boolean;
  /** L4 listeners, routes and Services (`l4.ts` `planL4`); none when absent. */
  readonly l4?: L4Plan;
  /** Other endpoints' HTTPRoutes (traefik-route), on the same listeners. */
  readonly httpRoutes?: readonly KubeObject[];
}

/** The route builders' view of the plan. */
export function ingressRouting(input: GatewayPlanInput): IngressRouting {
  return {
    gateway: input.gateway,
    namespace: input.namespace,
    config: input.config,
    externalHost: ingressHost(input.config),
    issued: new Set(input.issued.map((tls) => tls.target)),
  };
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
    infrastructure: {
      labels: routingOf(input.config).gatewayLabels,
      annotations: routingOf(input.config).gatewayAnnotations,
    },
    // An IP target keeps its address in the listener name; renderGateway leaves out the hostname.
    tls: input.issued.map((tls) => ({
      host: tls.target,
      secretName: secretName(input.gateway, tls.target),
    })),
    l4: input.l4?.listeners,
  });
  const services: KubeObject[] = [];
  const routes: KubeObject[] = [];
  const policies: KubeObject[] = [];
  const configMaps: KubeObject[] = [];
  const slices: KubeObject[] = [];
  if (input.routes) {
    const routing = ingressRouting(input);
    const secure = input.backends.filter((backend) => backend.scheme === "https");
    const cas = input.backendTls?.caCertificates ?? [];
    const caMap = cas.length > 0 && secure.length > 0 ? caConfigMapName(input.gateway) : null;
    if (caMap !== null) configMaps.push(renderCaConfigMap(input.gateway, cas));
    for (const backend of input.backends) {
      services.push(renderService(input.gateway, backend));
      slices.push(...renderEndpointSlices(input.gateway, backend));
      routes.push(...requirerRoutes(routing, backend));
      const names = backend.scheme === "https" ? backendTlsNames(backend) : null;
      if (names !== null && !("error" in names)) {
        policies.push(renderBackendTlsPolicy(input.gateway, backend, names, caMap));
      }
    }
    if (input.config.enforceHttps && input.backends.length > 0) {
      routes.push(gatewayRedirectRoute(routing, input.hostnames));
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
  // Listed only when the feature may be in use (see gather): otherwise the kinds are left alone.
  const backendTlsSets: DesiredSet[] = input.backendTls == null ? [] : [
    { kind: KINDS.configMap, objects: configMaps },
    { kind: KINDS.backendTlsPolicy, objects: policies, isolated: true },
  ];
  // A requirer's Service and routes stand alone: one the API refuses costs only that requirer.
  // Slices go before their Services: created first and pruned first, a slice never outlives the
  // selector-less Service that tells a later hook to look for it.
  return [
    { kind: KINDS.secret, objects: secrets },
    ...l4Routes,
    ...backendTlsSets.slice(0, 1),
    { kind: KINDS.gateway, objects: [gateway] },
    // Before the Services: a policy is never left behind by a Service deleted before it.
    ...backendTlsSets.slice(1),
    ...(input.endpointSlices
      ? [{ kind: KINDS.endpointSlice, objects: slices, isolated: true }]
      : []),
    { kind: KINDS.service, objects: services, isolated: true },
    { kind: KINDS.httpRoute, objects: routes, isolated: true },
  ];
}

/** The objects (`Kind/name`) that belong to one requirer alone. */
export function backendObjects(gateway: string, backend: Backend): string[] {
  const slices = endpointSliceNames(gateway, backend.app);
  return [
    `${KINDS.endpointSlice.kind}/${slices.v4}`,
    `${KINDS.endpointSlice.kind}/${slices.v6}`,
    `${KINDS.service.kind}/${serviceName(gateway, backend.app)}`,
    `${KINDS.httpRoute.kind}/${routeName(gateway, backend.app, "http")}`,
    `${KINDS.httpRoute.kind}/${routeName(gateway, backend.app, "https")}`,
    `${KINDS.httpRoute.kind}/${requirerRedirectName(gateway, backend.app)}`,
    `${KINDS.backendTlsPolicy.kind}/${backendTlsPolicyName(gateway, backend.app)}`,
  ];
}
