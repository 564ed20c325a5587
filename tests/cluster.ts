/**
 * A fake cluster for black-box hook tests and the demo: the fake API server on loopback with the
 * model's namespace and GatewayClasses, and the kubeconfig the charm finds through KUBECONFIG.
 * Plain HTTP by default (fast); `tls` serves HTTPS as a real API server does.
 */
import {
  type FakeApiServer,
  type KubeconfigOptions,
  startFakeApiServer,
} from "./harness/k8s/mod.ts";
import type { Transport } from "../src/k8s/client.ts";
import type { KubeObject } from "../src/k8s/types.ts";

export interface Cluster {
  readonly server: FakeApiServer;
  /** Environment for runHook: KUBECONFIG pointing at the fake server. */
  readonly env: Record<string, string>;
  /** Objects of a kind in the model's namespace, as plain objects. */
  objects(kind: string): KubeObject[];
  /** Pretends the Gateway controller assigned addresses. */
  setGatewayAddresses(gateway: string, addresses: { type?: string; value: string }[]): void;
  close(): Promise<void>;
}

export interface ClusterOptions {
  namespace?: string;
  gatewayClasses?: string[];
  /** Serve HTTPS with the server's own CA. */
  tls?: boolean;
  /** How the kubeconfig authenticates (default: token). */
  auth?: KubeconfigOptions["auth"];
  /** The kubeconfig's format (default YAML). */
  kubeconfigFormat?: KubeconfigOptions["format"];
  /** Make the charm use this transport (`GATEWAY_API_INTEGRATOR_K8S_TRANSPORT`). */
  transport?: Transport;
  /** Serve the CRDs of this folder instead of the shared reference's. */
  crdsDir?: string;
}

export async function startCluster(options: ClusterOptions = {}): Promise<Cluster> {
  const namespace = options.namespace ?? "testing";
  const server = await startFakeApiServer({
    namespaces: [namespace],
    tls: options.tls,
    crdsDir: options.crdsDir,
  });
  for (const name of options.gatewayClasses ?? ["cilium"]) {
    server.seed({
      apiVersion: "gateway.networking.k8s.io/v1",
      kind: "GatewayClass",
      metadata: { name },
      spec: { controllerName: `example.com/${name}` },
    });
  }
  const dir = await Deno.makeTempDir({ prefix: "fake-cluster-" });
  const tokenFile = `${dir}/token`;
  await Deno.writeTextFile(tokenFile, server.token);
  await server.writeKubeconfig(`${dir}/config`, namespace, {
    auth: options.auth,
    tokenFile,
    format: options.kubeconfigFormat,
  });
  return {
    server,
    env: {
      KUBECONFIG: `${dir}/config`,
      ...(options.transport ? { GATEWAY_API_INTEGRATOR_K8S_TRANSPORT: options.transport } : {}),
    },
    objects: (kind) => server.objects(kind, namespace) as KubeObject[],
    setGatewayAddresses(gateway, addresses) {
      server.setStatus("Gateway", namespace, gateway, {
        addresses: addresses.map((address) => ({ type: "IPAddress", ...address })),
      });
    },
    async close() {
      await server.close();
      await Deno.remove(dir, { recursive: true });
    },
  };
}
