/**
 * Where the Gateway serves each ingress requirer, and the objects that say so: in `path` mode
 * every requirer is `/<model>-<app>` on the external hostname and each additional hostname; in
 * `subdomain` mode it is `/` on `<model>-<app>.<hostname>` for each of them. Per requirer: its
 * forwarding routes (with the configured timeouts), its own HTTP→HTTPS redirect when it asks for
 * one (`redirect-https`), and a BackendTLSPolicy when its backend speaks HTTPS. Pure.
 */
import type { CharmConfig } from "../config.ts";
import type { KubeObject } from "../k8s/types.ts";
import { DEFAULT_ROUTING, type RoutingConfig } from "../routing_config.ts";
import { urlHost } from "./address.ts";
import {
  httpListenerName,
  httpsListenerName,
  ingressPath,
  redirectRouteName,
  routeName,
  serviceName,
  truncate63,
} from "./names.ts";
import type { Backend } from "./objects.ts";

const GATEWAY_API = "gateway.networking.k8s.io/v1";

export const routingOf = (config: CharmConfig): RoutingConfig => config.routing ?? DEFAULT_ROUTING;

const normal = (host: string) => host.toLowerCase();

/** The hostnames every requirer is served under (path mode) or below (subdomain mode):
 * external-hostname first, then the additional ones (both normalised by the config checks). */
export function baseHostnames(config: CharmConfig, externalHost: string | null): string[] {
  if (externalHost === null) return [];
  const additional = routingOf(config).additionalHostnames.filter((host) => host !== externalHost);
  return [externalHost, ...additional.map(normal)];
}

/** The hostnames of one requirer, its primary (the URL's) first. Empty: any host (the IP). */
export function requirerHosts(
  config: CharmConfig,
  externalHost: string | null,
  backend: Backend,
): string[] {
  const bases = baseHostnames(config, externalHost);
  if (routingOf(config).mode === "path") return bases;
  return bases.map((base) => `${backend.model}-${backend.app}.${base}`);
}

/** What the route builders need besides the requirer. */
export interface IngressRouting {
  readonly gateway: string;
  readonly namespace: string;
  readonly config: CharmConfig;
  readonly externalHost: string | null;
  /** Targets with an issued certificate (their HTTPS listeners exist). */
  readonly issued: ReadonlySet<string>;
}

/** Whether HTTPS serves a host: enforced, or its certificate is issued (any, for no host). */
export function httpsServes(routing: IngressRouting, host: string | null): boolean {
  if (routing.config.enforceHttps) return true;
  return host === null ? routing.issued.size > 0 : routing.issued.has(host);
}

/** The URL a requirer is published: its primary host (or the Gateway's address), its path. */
export function requirerUrl(
  routing: IngressRouting,
  backend: Backend,
  address: string | null,
): string | null {
  const hosts = requirerHosts(routing.config, routing.externalHost, backend);
  const host = hosts[0] ?? null;
  const https = httpsServes(routing, host);
  const path = routingOf(routing.config).mode === "subdomain"
    ? "/"
    : ingressPath(backend.model, backend.app);
  if (host !== null) return `${https ? "https" : "http"}://${host}${path}`;
  if (https || address === null) return null;
  return `http://${urlHost(address)}${path}`;
}

/** The name of a requirer's own HTTP→HTTPS redirect route. */
export function requirerRedirectName(gateway: string, app: string): string {
  return truncate63(`${gateway}-${app}-https-redirect`);
}

function parentRefs(routing: IngressRouting, listeners: readonly string[]) {
  return listeners.map((sectionName) => ({
    name: routing.gateway,
    namespace: routing.namespace,
    sectionName,
  }));
}

function pathMatch(routing: IngressRouting, backend: Backend) {
  const value = routingOf(routing.config).mode === "subdomain"
    ? "/"
    : ingressPath(backend.model, backend.app);
  return [{ path: { type: "PathPrefix", value } }];
}

function route(name: string, spec: Record<string, unknown>): KubeObject {
  return { apiVersion: GATEWAY_API, kind: "HTTPRoute", metadata: { name }, spec };
}

/** A forwarding route on the HTTP or HTTPS listeners of `hosts` (null: the host-less one). */
function forwardingRoute(
  routing: IngressRouting,
  backend: Backend,
  protocol: "http" | "https",
  hosts: readonly (string | null)[],
): KubeObject {
  const { config, gateway } = routing;
  const listener = protocol === "http" ? httpListenerName : httpsListenerName;
  const filters: unknown[] = [];
  // In subdomain mode the requirer owns the whole host: there is no prefix to strip.
  if (backend.stripPrefix && routingOf(config).mode === "path") {
    filters.push({
      type: "URLRewrite",
      urlRewrite: { path: { type: "ReplacePrefixMatch", replacePrefixMatch: "/" } },
    });
  }
  if (protocol === "https" && config.enforceHttps) {
    filters.push({
      type: "ResponseHeaderModifier",
      responseHeaderModifier: {
        add: [{ name: "Strict-Transport-Security", value: `max-age=${config.hstsMaxAge}` }],
      },
    });
  }
  const { requestTimeout, backendRequestTimeout } = routingOf(config);
  const timeouts = {
    ...(requestTimeout === null ? {} : { request: requestTimeout }),
    ...(backendRequestTimeout === null ? {} : { backendRequest: backendRequestTimeout }),
  };
  return route(routeName(gateway, backend.app, protocol), {
    parentRefs: parentRefs(routing, hosts.map((host) => listener(gateway, host))),
    hostnames: hosts.filter((host) => host !== null),
    rules: [{
      matches: pathMatch(routing, backend),
      filters,
      backendRefs: [{ name: serviceName(gateway, backend.app), port: backend.port }],
      ...(Object.keys(timeouts).length > 0 ? { timeouts } : {}),
    }],
  });
}

/** A requirer's routes: HTTP forwarding where it is not redirected (never when HTTPS is
 * enforced: the Gateway's redirect covers it), its own redirect where it asks for one and HTTPS
 * serves, HTTPS forwarding where HTTPS serves. */
export function requirerRoutes(routing: IngressRouting, backend: Backend): KubeObject[] {
  const hosts: (string | null)[] = requirerHosts(routing.config, routing.externalHost, backend);
  const all = hosts.length === 0 ? [null] : hosts;
  const secure = all.filter((host) => httpsServes(routing, host));
  const redirected = routing.config.enforceHttps || !backend.redirectHttps
    ? []
    : secure.filter((host) => host !== null);
  const plain = routing.config.enforceHttps
    ? []
    : all.filter((host) => host === null || !redirected.includes(host));
  const routes: KubeObject[] = [];
  if (plain.length > 0) routes.push(forwardingRoute(routing, backend, "http", plain));
  if (redirected.length > 0) {
    // The redirect takes the HTTP route's name when it is the only HTTP route (as the per-unit
    // routes do); beside a forwarding route on other hostnames, its own.
    const name = plain.length === 0
      ? routeName(routing.gateway, backend.app, "http")
      : requirerRedirectName(routing.gateway, backend.app);
    routes.push(route(name, {
      parentRefs: parentRefs(
        routing,
        redirected.map((host) => httpListenerName(routing.gateway, host)),
      ),
      hostnames: redirected,
      rules: [{
        matches: pathMatch(routing, backend),
        filters: [{
          type: "RequestRedirect",
          requestRedirect: { scheme: "https", statusCode: 301 },
        }],
      }],
    }));
  }
  if (secure.length > 0) routes.push(forwardingRoute(routing, backend, "https", secure));
  return routes;
}

/** The Gateway's HTTP→HTTPS redirect (enforce-https) on the HTTP listener of every hostname. */
export function gatewayRedirectRoute(
  routing: IngressRouting,
  hostnames: readonly string[],
): KubeObject {
  const hosts = hostnames.length === 0 ? [null] : hostnames;
  return route(redirectRouteName(routing.gateway), {
    parentRefs: parentRefs(routing, hosts.map((host) => httpListenerName(routing.gateway, host))),
    // A route names at most 16 hostnames; the listeners already match theirs.
    hostnames: hostnames.length === 1 ? [hostnames[0]] : [],
    rules: [{
      filters: [{ type: "RequestRedirect", requestRedirect: { scheme: "https", statusCode: 301 } }],
    }],
  });
}

/** The ConfigMap holding the CAs received over `receive-ca-cert`. */
export function caConfigMapName(gateway: string): string {
  return truncate63(`${gateway}-backend-ca`);
}

export function renderCaConfigMap(gateway: string, certificates: readonly string[]): KubeObject {
  return {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: caConfigMapName(gateway) },
    data: { "ca.crt": certificates.map((pem) => `${pem.trim()}\n`).join("") },
  };
}

export function backendTlsPolicyName(gateway: string, app: string): string {
  return truncate63(`${gateway}-${app}-backend-tls`);
}

/** BackendTLSPolicy hostnames (no wildcard), and what a policy may list in subjectAltNames. */
const DNS_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const MAX_SANS = 5;

/** The names a backend's certificate is checked against: the first unit's host (also the SNI),
 * and, with several units, each unit's host (or, past five, a wildcard of their common parent).
 * Without units, the requirer application's Service name. */
export function backendTlsNames(
  backend: Backend,
): { hostname: string; subjectAltNames: readonly string[] } | { error: string } {
  const hosts = [
    ...new Set((backend.hosts ?? []).map((host) => host.trim().toLowerCase().replace(/\.$/, ""))),
  ];
  for (const host of hosts) {
    if (host.length > 253 || !DNS_NAME.test(host) || host.split(".").some((l) => l.length > 63)) {
      return {
        error: `scheme https: unit host ${
          JSON.stringify(host.slice(0, 100))
        } is not a DNS name its certificate can be checked against`,
      };
    }
  }
  if (hosts.length === 0) {
    return {
      hostname: `${backend.app}.${backend.model}.svc.cluster.local`,
      subjectAltNames: [],
    };
  }
  if (hosts.length === 1) return { hostname: hosts[0], subjectAltNames: [] };
  if (hosts.length <= MAX_SANS) return { hostname: hosts[0], subjectAltNames: hosts };
  const parents = new Set(hosts.map((host) => host.slice(host.indexOf(".") + 1)));
  const parent = [...parents][0];
  if (parents.size === 1 && hosts.every((host) => host.includes(".")) && parent.includes(".")) {
    return { hostname: hosts[0], subjectAltNames: [`*.${parent}`] };
  }
  return {
    error: `scheme https: its ${hosts.length} units' hosts share no parent domain: ` +
      `a BackendTLSPolicy checks at most ${MAX_SANS} names`,
  };
}

/** The policy that makes the Gateway speak TLS to a backend and check its certificate: against
 * the received CAs when there are some, else the well-known system CAs. */
export function renderBackendTlsPolicy(
  gateway: string,
  backend: Backend,
  names: { hostname: string; subjectAltNames: readonly string[] },
  caConfigMap: string | null,
): KubeObject {
  return {
    apiVersion: "gateway.networking.k8s.io/v1",
    kind: "BackendTLSPolicy",
    metadata: { name: backendTlsPolicyName(gateway, backend.app) },
    spec: {
      targetRefs: [{ group: "", kind: "Service", name: serviceName(gateway, backend.app) }],
      validation: {
        hostname: names.hostname,
        ...(names.subjectAltNames.length > 0
          ? {
            subjectAltNames: names.subjectAltNames.map((hostname) => ({
              type: "Hostname",
              hostname,
            })),
          }
          : {}),
        ...(caConfigMap === null
          ? { wellKnownCACertificates: "System" }
          : { caCertificateRefs: [{ group: "", kind: "ConfigMap", name: caConfigMap }] }),
      },
    },
  };
}
