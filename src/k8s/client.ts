/**
 * The small Kubernetes client interface the reconcilers use. The implementation over
 * `@kubernetes/client-node` lives in `client_node.ts` and is loaded only by hooks that talk to the
 * API, because importing it is the largest start-up cost of the charm.
 */
import type { KubeObject, ResourceKind } from "./types.ts";

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
  /** The number of API requests sent so far (for logs and benchmarks). */
  readonly requests: number;
}

export interface ClientOptions {
  readonly namespace: string;
  readonly fieldManager: string;
  /** The process environment, to find in-cluster or kubeconfig configuration. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Per-request timeout; a request that takes longer fails as `unavailable`. */
  readonly timeoutMs?: number;
  /** A directory the service-account path is under (tests put fake files there). */
  readonly serviceAccountPrefix?: string;
}

/** Loads the client implementation and connects it; throws `KubeError` (kind `config`). */
export async function connect(options: ClientOptions): Promise<KubeClient> {
  const { createClientNodeClient } = await import("./client_node.ts");
  return await createClientNodeClient(options);
}
