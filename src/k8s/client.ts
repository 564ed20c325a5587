/**
 * The small Kubernetes client interface the reconcilers use, and `connect`, which picks its
 * transport: web `fetch` (`client_fetch.ts`) for the pod's service account and for kubeconfigs
 * with token or certificate credentials; `@kubernetes/client-node` (`client_node.ts`, about
 * 100 ms to load) only for kubeconfigs that need its plugins. Both send the same requests
 * (`rest.ts`).
 */
import { createFetchClient } from "./client_fetch.ts";
import { resolveConfig } from "./kubeconfig.ts";
import {
  type ClientOptions,
  type KubeClient,
  KubeError,
  type Transport,
  TRANSPORTS,
} from "./types.ts";

export type { ClientOptions, KubeClient, Transport } from "./types.ts";
export { TRANSPORTS } from "./types.ts";

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
