/**
 * Kubernetes object and resource types, and the named errors of the API. Kept free of the client
 * library so pure code and reconcilers never depend on the transport.
 */

export interface ObjectMeta {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  resourceVersion?: string;
  [key: string]: unknown;
}

/** Any Kubernetes object, as JSON. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  [key: string]: unknown;
}

/** What the client needs to address a kind without discovery. */
export interface ResourceKind {
  readonly apiVersion: string;
  readonly kind: string;
  readonly plural: string;
  readonly namespaced: boolean;
}

const GATEWAY_API = "gateway.networking.k8s.io/v1";

export const KINDS = {
  gatewayClass: {
    apiVersion: GATEWAY_API,
    kind: "GatewayClass",
    plural: "gatewayclasses",
    namespaced: false,
  },
  gateway: { apiVersion: GATEWAY_API, kind: "Gateway", plural: "gateways", namespaced: true },
  httpRoute: { apiVersion: GATEWAY_API, kind: "HTTPRoute", plural: "httproutes", namespaced: true },
  grpcRoute: { apiVersion: GATEWAY_API, kind: "GRPCRoute", plural: "grpcroutes", namespaced: true },
  tcpRoute: { apiVersion: GATEWAY_API, kind: "TCPRoute", plural: "tcproutes", namespaced: true },
  udpRoute: { apiVersion: GATEWAY_API, kind: "UDPRoute", plural: "udproutes", namespaced: true },
  tlsRoute: { apiVersion: GATEWAY_API, kind: "TLSRoute", plural: "tlsroutes", namespaced: true },
  service: { apiVersion: "v1", kind: "Service", plural: "services", namespaced: true },
  secret: { apiVersion: "v1", kind: "Secret", plural: "secrets", namespaced: true },
  backendTlsPolicy: {
    apiVersion: GATEWAY_API,
    kind: "BackendTLSPolicy",
    plural: "backendtlspolicies",
    namespaced: true,
  },
  configMap: { apiVersion: "v1", kind: "ConfigMap", plural: "configmaps", namespaced: true },
  endpointSlice: {
    apiVersion: "discovery.k8s.io/v1",
    kind: "EndpointSlice",
    plural: "endpointslices",
    namespaced: true,
  },
} as const satisfies Record<string, ResourceKind>;

export type KubeErrorKind =
  | "forbidden"
  | "not-found"
  | "conflict"
  | "invalid"
  | "unavailable"
  | "config"
  | "other";

export interface FieldCause {
  readonly field: string;
  readonly message: string;
}

/** A failed API call, with the API's reason and message (and per-field causes for 422). */
export class KubeError extends Error {
  override readonly name = "KubeError";
  constructor(
    readonly kind: KubeErrorKind,
    message: string,
    readonly details: {
      readonly status?: number;
      readonly reason?: string;
      readonly causes?: readonly FieldCause[];
      readonly verb?: string;
      readonly object?: string;
    } = {},
  ) {
    super(message);
  }
}

export interface KubeClient {
  /** The namespace of namespaced calls: the Juju model's. */
  readonly namespace: string;
  /** The field manager of every apply: the application name. */
  readonly fieldManager: string;
  /** One object, or null when it does not exist. */
  get(kind: ResourceKind, name: string): Promise<KubeObject | null>;
  /** Objects of a kind (in the namespace, or cluster-wide for cluster-scoped kinds). */
  list(kind: ResourceKind, labelSelector?: string): Promise<KubeObject[]>;
  /** Server-side apply with `force`: creates or updates, and removes fields no longer given. */
  apply(kind: ResourceKind, object: KubeObject): Promise<KubeObject>;
  /** A JSON merge patch (RFC 7386), as an Update by our field manager. */
  mergePatch(kind: ResourceKind, name: string, patch: Record<string, unknown>): Promise<KubeObject>;
  /** Deletes an object; one that is already gone is not an error. */
  delete(kind: ResourceKind, name: string): Promise<void>;
  /** The number of API requests sent so far, retries included (for logs and benchmarks). */
  readonly requests: number;
  /** How many of those requests were retries of a failed one. */
  readonly retries: number;
}

export interface ClientOptions {
  readonly namespace: string;
  readonly fieldManager: string;
  /** The process environment, to find in-cluster or kubeconfig configuration. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Per-request timeout (default 10 s); a request that takes longer fails as `unavailable`. */
  readonly timeoutMs?: number;
  /** Timeout of all requests together (default 30 s), so that a hook never hangs. */
  readonly totalTimeoutMs?: number;
  /** Longest wait before retrying a request, a `Retry-After` included (default 1 s). */
  readonly maxRetryDelayMs?: number;
  /** Which transport to use; by default the configuration decides. */
  readonly transport?: Transport;
  /** A directory the service-account path is under (tests put fake files there). */
  readonly serviceAccountPrefix?: string;
}

export const TRANSPORTS = ["fetch", "client-node"] as const;
export type Transport = typeof TRANSPORTS[number];

/** `Kind/name` for messages. */
export function describeObject(kind: ResourceKind, name: string): string {
  return `${kind.kind}/${name}`;
}

/** The Python charm's Blocked message for any 403, kept verbatim (placeholder included) because
 * users and tooling know it. */
export const TRUST_MESSAGE =
  "Insufficient permissions, try: `juju trust <gateway-api-integrator> --scope=cluster`";
