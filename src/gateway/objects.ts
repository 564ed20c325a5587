/**
 * Pure builders of the Kubernetes objects the charm owns, shaped like the Python charm's
 * (anchor-charm §5): the Gateway with its listeners, and per requirer a Service and HTTPRoutes.
 * Labels and ownership are added by the reconciler, not here.
 */
import type { KubeObject } from "../k8s/types.ts";
import { type L4Listener, renderL4Listener } from "./l4.ts";
import { ipVersion } from "../net.ts";
import {
  httpListenerName,
  httpsListenerName,
  ingressPath,
  redirectRouteName,
  routeName,
  serviceName,
} from "./names.ts";
import { byCodeUnits } from "../order.ts";

const GATEWAY_API = "gateway.networking.k8s.io/v1";
const ALL_NAMESPACES = { namespaces: { from: "All" } };

/** An HTTPS listener to add: its hostname (null for an IP certificate) and its TLS Secret. */
export interface TlsTarget {
  readonly host: string | null;
  readonly secretName: string;
}

export interface GatewaySpec {
  readonly name: string;
  readonly gatewayClass: string;
  /** Hostnames served (sorted); empty means one listener for every hostname. */
  readonly hostnames: readonly string[];
  readonly tls: readonly TlsTarget[];
  /** `spec.infrastructure` (labels and annotations), left out when empty. */
  readonly infrastructure?: {
    readonly labels: Readonly<Record<string, string>>;
    readonly annotations: Readonly<Record<string, string>>;
  };
  /** TCP, UDP and TLS-passthrough listeners, after the HTTP and HTTPS ones (`l4.ts`). */
  readonly l4?: readonly L4Listener[];
}

/** IPs get no `hostname` field: Gateway listeners match host names, not addresses. */
const hostField = (host: string | null) =>
  host === null || ipVersion(host) !== 0 ? {} : { hostname: host };

export function renderGateway(spec: GatewaySpec): KubeObject {
  const hosts = spec.hostnames.length === 0 ? [null] : [...spec.hostnames].sort();
  const http = hosts.map((host) => ({
    name: httpListenerName(spec.name, host),
    port: 80,
    protocol: "HTTP",
    ...hostField(host),
    allowedRoutes: ALL_NAMESPACES,
  }));
  const https = [...spec.tls].sort((a, b) => byCodeUnits(a.host ?? "", b.host ?? "")).map((
    target,
  ) => ({
    name: httpsListenerName(spec.name, target.host),
    port: 443,
    protocol: "HTTPS",
    ...hostField(target.host),
    allowedRoutes: ALL_NAMESPACES,
    tls: { certificateRefs: [{ kind: "Secret", name: target.secretName }] },
  }));
  return {
    apiVersion: GATEWAY_API,
    kind: "Gateway",
    metadata: { name: spec.name },
    spec: {
      gatewayClassName: spec.gatewayClass,
      listeners: [...http, ...https, ...(spec.l4 ?? []).map(renderL4Listener)],
      ...infrastructureField(spec.infrastructure),
    },
  };
}

function infrastructureField(infrastructure: GatewaySpec["infrastructure"]) {
  if (infrastructure === undefined) return {};
  const { labels, annotations } = infrastructure;
  const has = (map: Readonly<Record<string, string>>) => Object.keys(map).length > 0;
  if (!has(labels) && !has(annotations)) return {};
  return {
    infrastructure: {
      ...(has(labels) ? { labels } : {}),
      ...(has(annotations) ? { annotations } : {}),
    },
  };
}

/** What one requirer application asked for, as the builders need it. */
export interface Backend {
  readonly model: string;
  readonly app: string;
  readonly port: number;
  readonly stripPrefix: boolean;
  /** The protocol the backend speaks (absent: `http`). */
  readonly scheme?: "http" | "https" | "h2c";
  /** The requirer's `redirect-https`. */
  readonly redirectHttps?: boolean;
  /** Its units' `host` values, by unit name (to validate an HTTPS backend's certificate). */
  readonly hosts?: readonly string[];
  /** A requirer in another model: its units' addresses (its Service then has no selector and
   * EndpointSlices list them, see `endpoint_slice.ts`). */
  readonly addresses?: readonly string[];
}

/** The Service port's `appProtocol` for a backend scheme (none for plain HTTP). */
const APP_PROTOCOLS = { https: "https", h2c: "kubernetes.io/h2c" } as const;

export function renderService(gateway: string, backend: Backend): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: serviceName(gateway, backend.app) },
    spec: {
      ports: [{
        port: backend.port,
        name: `tcp-${backend.port}`,
        targetPort: backend.port,
        ...(backend.scheme === "https" || backend.scheme === "h2c"
          ? { appProtocol: APP_PROTOCOLS[backend.scheme] }
          : {}),
      }],
      ...(backend.addresses === undefined
        ? { selector: { "app.kubernetes.io/name": backend.app } }
        : {}),
    },
  };
}

export interface RouteOptions {
  readonly gateway: string;
  readonly namespace: string;
  /** The one ingress hostname, or null (routes then match any host). */
  readonly host: string | null;
}

function parentRef(options: RouteOptions, sectionName: string) {
  return { name: options.gateway, namespace: options.namespace, sectionName };
}

/** A requirer's forwarding route on the HTTP or HTTPS listener; HSTS only where given. */
export function renderForwardingRoute(
  options: RouteOptions,
  backend: Backend,
  protocol: "http" | "https",
  hstsMaxAge: number | null,
): KubeObject {
  const listener = protocol === "http"
    ? httpListenerName(options.gateway, options.host)
    : httpsListenerName(options.gateway, options.host);
  const filters: unknown[] = [];
  if (backend.stripPrefix) {
    filters.push({
      type: "URLRewrite",
      urlRewrite: { path: { type: "ReplacePrefixMatch", replacePrefixMatch: "/" } },
    });
  }
  if (hstsMaxAge !== null) {
    filters.push({
      type: "ResponseHeaderModifier",
      responseHeaderModifier: {
        add: [{ name: "Strict-Transport-Security", value: `max-age=${hstsMaxAge}` }],
      },
    });
  }
  return {
    apiVersion: GATEWAY_API,
    kind: "HTTPRoute",
    metadata: { name: routeName(options.gateway, backend.app, protocol) },
    spec: {
      parentRefs: [parentRef(options, listener)],
      hostnames: options.host === null ? [] : [options.host],
      rules: [{
        matches: [{ path: { type: "PathPrefix", value: ingressPath(backend.model, backend.app) } }],
        filters,
        backendRefs: [{ name: serviceName(options.gateway, backend.app), port: backend.port }],
      }],
    },
  };
}

/** The HTTP→HTTPS 301 redirect for every path on the HTTP listener. */
export function renderRedirectRoute(options: RouteOptions): KubeObject {
  return {
    apiVersion: GATEWAY_API,
    kind: "HTTPRoute",
    metadata: { name: redirectRouteName(options.gateway) },
    spec: {
      parentRefs: [parentRef(options, httpListenerName(options.gateway, options.host))],
      hostnames: options.host === null ? [] : [options.host],
      rules: [{
        filters: [{
          type: "RequestRedirect",
          requestRedirect: { scheme: "https", statusCode: 301 },
        }],
      }],
    },
  };
}

/** A TLS Secret for one target: the leaf-first chain and the key (`data`, base64, so a
 * reconcile can compare it with the live object). */
export function renderTlsSecret(
  name: string,
  chain: readonly string[],
  privateKey: string,
): KubeObject {
  const b64 = (text: string) => btoa(text);
  return {
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name },
    type: "kubernetes.io/tls",
    data: {
      "tls.crt": b64(chain.map((pem) => pem.trim()).join("\n\n")),
      "tls.key": b64(privateKey.trim()),
    },
  };
}
