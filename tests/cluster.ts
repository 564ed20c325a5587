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
  /** Pretends the Gateway controller assigned addresses (the whole status is replaced: a
   * controller that reports no conditions, so the charm judges by the addresses alone; a later
   * write of the Gateway's spec brings back the CRD's pending conditions, as the API server
   * defaults them: `acceptAll` then plays a controller that accepts). */
  setGatewayAddresses(gateway: string, addresses: { type?: string; value: string }[]): void;
  /** As the Gateway controller: the Gateway's conditions and, when given, its listeners' (by
   * listener name), written through the status subresource (validated by the CRD). */
  setGatewayConditions(
    gateway: string,
    conditions: readonly ConditionSpec[],
    listeners?: Readonly<Record<string, readonly ConditionSpec[]>>,
  ): Promise<void>;
  /** As the Gateway controller: a route's `status.parents` entry for each of its parentRefs
   * (other controllers' entries are kept), through the status subresource. */
  setRouteConditions(
    kind: string,
    name: string,
    conditions: readonly ConditionSpec[],
    controller?: string,
  ): Promise<void>;
  /** As a controller that accepts everything: the Gateway, each listener and every route of
   * ours Accepted (and Programmed, ResolvedRefs), about their current generations. */
  acceptAll(gateway: string): Promise<void>;
  close(): Promise<void>;
}

/** A condition as a controller writes it; `observedGeneration` is the object's generation now
 * unless given. */
export interface ConditionSpec {
  readonly type: string;
  readonly status: "True" | "False" | "Unknown";
  readonly reason: string;
  readonly message?: string;
  readonly observedGeneration?: number;
}

/** The controller of the GatewayClasses startCluster seeds (`example.com/<class>`). */
export const CONTROLLER = "example.com/cilium";

const GATEWAY_API = "/apis/gateway.networking.k8s.io/v1";

export interface ClusterOptions {
  namespace?: string;
  gatewayClasses?: string[];
  /** Serve HTTPS with the server's own CA. */
  tls?: boolean;
  /** With `tls`: offer HTTP/2 (HTTP/1.1 to clients that do not take it), as kube-apiserver does. */
  http2?: boolean;
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
    http2: options.http2,
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
  const get = (kind: string, name: string) =>
    server.get(kind, namespace, name) as KubeObject | undefined;
  const cluster: Cluster = {
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
    setGatewayConditions: async (gateway, conditions, listeners) => {
      const live = get("Gateway", gateway);
      if (!live) throw new Error(`setGatewayConditions: no Gateway ${gateway}`);
      const generation = Number(live.metadata.generation);
      const status: Record<string, unknown> = { conditions: written(conditions, generation) };
      if (listeners) {
        status.listeners = Object.entries(listeners).map(([name, listenerConditions]) => ({
          name,
          attachedRoutes: 0,
          supportedKinds: [{ kind: "HTTPRoute" }],
          conditions: written(listenerConditions, generation),
        }));
      }
      await patchStatus(server, `${GATEWAY_API}/namespaces/${namespace}/gateways/${gateway}`, {
        status,
      });
    },
    setRouteConditions: async (kind, name, conditions, controller = CONTROLLER) => {
      const live = get(kind, name);
      if (!live) throw new Error(`setRouteConditions: no ${kind} ${name}`);
      const generation = Number(live.metadata.generation);
      const refs = (live.spec as { parentRefs?: Record<string, unknown>[] }).parentRefs ?? [];
      const others = ((live.status as { parents?: { controllerName: string }[] })?.parents ?? [])
        .filter((parent) => parent.controllerName !== controller);
      const parents = [
        ...others,
        ...refs.map((parentRef) => ({
          parentRef,
          controllerName: controller,
          conditions: written(conditions, generation),
        })),
      ];
      await patchStatus(
        server,
        `${GATEWAY_API}/namespaces/${namespace}/${kind.toLowerCase()}s/${name}`,
        { status: { parents } },
      );
    },
    async acceptAll(gateway) {
      const live = get("Gateway", gateway);
      const listeners = (live?.spec as { listeners?: Listener[] })?.listeners ?? [];
      await cluster.setGatewayConditions(
        gateway,
        [
          { type: "Accepted", status: "True", reason: "Accepted" },
          { type: "Programmed", status: "True", reason: "Programmed" },
        ],
        Object.fromEntries(listeners.map((listener) => [listener.name, [
          { type: "Accepted", status: "True", reason: "Accepted" },
          { type: "Programmed", status: "True", reason: "Programmed" },
          { type: "ResolvedRefs", status: "True", reason: "ResolvedRefs" },
        ]])),
      );
      for (const kind of ["HTTPRoute", "TCPRoute", "UDPRoute", "TLSRoute"]) {
        for (const route of cluster.objects(kind)) {
          // As a controller does: a route none of whose parents it can attach to is not Accepted.
          const refused = unattached(route, listeners);
          await cluster.setRouteConditions(kind, route.metadata.name, [
            refused === null
              ? { type: "Accepted", status: "True", reason: "Accepted" }
              : { type: "Accepted", status: "False", reason: refused },
            { type: "ResolvedRefs", status: "True", reason: "ResolvedRefs" },
          ]);
        }
      }
    },
    async close() {
      await server.close();
      await Deno.remove(dir, { recursive: true });
    },
  };
  return cluster;
}

interface Listener {
  name: string;
  hostname?: string;
}

/** Whether a route hostname and a listener's can meet (Gateway API: equal, or one a wildcard
 * over the other). */
function meets(route: string, listener: string): boolean {
  const below = (host: string, wildcard: string) =>
    wildcard.startsWith("*.") && host.endsWith(wildcard.slice(1)) && host !== wildcard.slice(2);
  return route === listener || below(route, listener) || below(listener, route);
}

/** Why no parent of a route accepts it (`NoMatchingParent`: no such listener;
 * `NoMatchingListenerHostname`: no hostname in common), or null when one does. */
function unattached(route: KubeObject, listeners: readonly Listener[]): string | null {
  const spec = route.spec as { parentRefs?: { sectionName?: string }[]; hostnames?: string[] };
  const hostnames = spec.hostnames ?? [];
  let reason = "NoMatchingParent";
  for (const parent of spec.parentRefs ?? []) {
    const found = parent.sectionName === undefined
      ? listeners
      : listeners.filter((listener) => listener.name === parent.sectionName);
    if (found.length === 0) continue;
    const hosts = found.some((listener) =>
      listener.hostname === undefined || hostnames.length === 0 ||
      hostnames.some((host) => meets(host, listener.hostname!))
    );
    if (hosts) return null;
    reason = "NoMatchingListenerHostname";
  }
  return reason;
}

/** Conditions as the API stores them, observing `generation` unless they say otherwise. */
function written(conditions: readonly ConditionSpec[], generation: number) {
  const now = new Date().toISOString().replace(/\.\d{3}Z$/, "Z");
  return conditions.map((condition) => ({
    message: "",
    observedGeneration: generation,
    lastTransitionTime: now,
    ...condition,
  }));
}

/** A merge patch of an object's status subresource, as a controller sends it. */
async function patchStatus(server: FakeApiServer, path: string, body: unknown): Promise<void> {
  // Over HTTPS the fake's own CA is trusted, as by the charm.
  const client = server.tls ? Deno.createHttpClient({ caCerts: [server.tls.caPem] }) : undefined;
  try {
    const response = await fetch(`${server.url}${path}/status`, {
      method: "PATCH",
      headers: {
        Authorization: `Bearer ${server.token}`,
        "Content-Type": "application/merge-patch+json",
      },
      body: JSON.stringify(body),
      ...(client ? { client } : {}),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`status of ${path}: ${response.status} ${text}`);
  } finally {
    client?.close();
  }
}
