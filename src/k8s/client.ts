/**
 * The small Kubernetes client interface the reconcilers use, and `connect`, which picks its
 * transport: web `fetch` (`client_fetch.ts`) for the pod's service account and for kubeconfigs
 * with token or certificate credentials; `@kubernetes/client-node` (`client_node.ts`, about
 * 100 ms to load) only for kubeconfigs that need its plugins. Both send the same requests
 * (`rest.ts`).
 */
import { createFetchClient } from "./client_fetch.ts";
import { resolveConfig } from "./kubeconfig.ts";
import { KubeError, type KubeObject, type ResourceKind } from "./types.ts";

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

/**
 * Settings for tests and for comparing transports, from the environment:
 * `GATEWAY_API_INTEGRATOR_K8S_TRANSPORT` (`fetch` or `client-node`),
 * `GATEWAY_API_INTEGRATOR_K8S_TIMEOUT_MS` (per request),
 * `GATEWAY_API_INTEGRATOR_K8S_HOOK_TIMEOUT_MS` (all requests of a hook) and
 * `GATEWAY_API_INTEGRATOR_K8S_RETRY_DELAY_MS` (the longest wait before a retry).
 */
export function tuningFromEnv(
  env: Readonly<Record<string, string | undefined>>,
): Pick<ClientOptions, "transport" | "timeoutMs" | "totalTimeoutMs" | "maxRetryDelayMs"> {
  const transport = env.GATEWAY_API_INTEGRATOR_K8S_TRANSPORT;
  if (transport !== undefined && !(TRANSPORTS as readonly string[]).includes(transport)) {
    throw new KubeError(
      "config",
      `GATEWAY_API_INTEGRATOR_K8S_TRANSPORT must be fetch or client-node, not ${transport}`,
    );
  }
  const millis = (name: string): number | undefined => {
    const text = env[name];
    if (text === undefined) return undefined;
    const value = Number(text);
    if (!Number.isInteger(value) || value <= 0) {
      throw new KubeError("config", `${name} must be a positive whole number of milliseconds`);
    }
    return value;
  };
  return {
    transport: transport as Transport | undefined,
    timeoutMs: millis("GATEWAY_API_INTEGRATOR_K8S_TIMEOUT_MS"),
    totalTimeoutMs: millis("GATEWAY_API_INTEGRATOR_K8S_HOOK_TIMEOUT_MS"),
    maxRetryDelayMs: millis("GATEWAY_API_INTEGRATOR_K8S_RETRY_DELAY_MS"),
  };
}

/** Connects with the configured transport; throws `KubeError` (kind `config`). */
export async function connect(options: ClientOptions): Promise<KubeClient> {
  const resolved = options.transport === "client-node"
    ? { transport: "client-node" as const, reason: "requested" }
    : await resolveConfig(options);
  if (resolved.transport === "fetch") return createFetchClient(resolved.config, options);
  if (options.transport === "fetch") {
    throw new KubeError("config", `the fetch transport cannot be used: ${resolved.reason}`);
  }
  const { createClientNodeClient } = await import("./client_node.ts");
  return createClientNodeClient(options);
}
