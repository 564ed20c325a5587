/**
 * The gather step: every read a hook makes, through the hook tools and the Kubernetes API, into
 * one `World`. Nothing here decides what to do with what it read; the only judgement is how much
 * to read (a config that fails the checks needing no cluster can only withdraw, so the TLS state
 * and the other kinds are not read), which keeps hooks that are blocked from the start cheap.
 */
import { parseConfig } from "../config.ts";
import type { HookContext } from "../juju/context.ts";
import type { HookTools, RelationRef } from "../juju/tools.ts";
import type { KubeClient } from "../k8s/types.ts";
import { listOwned } from "../k8s/reconcile.ts";
import { KINDS, KubeError, type KubeObject, type ResourceKind } from "../k8s/types.ts";
import { validateBeforeCluster } from "../validation.ts";
import { L4_OWNED_KINDS } from "../gateway/l4.ts";
import type {
  ClusterWorld,
  ExpiringCertificate,
  GatherScope,
  ReconcileWorld,
  TlsSecret,
  World,
} from "../world.ts";
import {
  ENDPOINTS,
  liveRelations,
  readDnsRecords,
  readIngressRequirers,
  readRouteRequirers,
  remoteApp,
} from "./relations.ts";
import { gatherCertificateAction } from "./certificate_action.ts";
import { readPerUnitRequirers } from "./ingress_per_unit.ts";
import { isCertificateSecret, isTlsSecret } from "./tls_labels.ts";
import { readConditions } from "./conditions.ts";
import { backendTlsKinds, listBackendTls, readCaTransfer } from "./ca.ts";
import { readTraefikRouteRequirers } from "./traefik_route.ts";
import { PEERS_ENDPOINT, readPeers, withEndpointSlices } from "./units.ts";
import { trustedIngressCopies } from "./published.ts";

/** How the charm reaches Kubernetes; tests and the demo pass their own. */
export type Connector = (ctx: HookContext) => Promise<KubeClient>;

/** What gathering gives the later steps: the world, and the client the apply step writes with. */
export interface Gathered {
  readonly world: World;
  readonly client: KubeClient | null;
}

/** Kinds the charm owns, in the order they are applied. */
export const OWNED_KINDS: readonly ResourceKind[] = [
  KINDS.secret,
  KINDS.gateway,
  KINDS.service,
  KINDS.httpRoute,
];
/** What withdrawing touches: the routes and Services (the Gateway and Secrets stay). */
export const WITHDRAWN_KINDS: readonly ResourceKind[] = [KINDS.httpRoute, KINDS.service];

interface Connection {
  readonly client: KubeClient | null;
  readonly cluster: ClusterWorld;
}

/** A client, or the configuration error that kept the hook from having one. */
async function connectOrFail(
  ctx: HookContext,
  connect: Connector,
): Promise<KubeClient | { error: KubeError }> {
  try {
    return await connect(ctx);
  } catch (error) {
    if (error instanceof KubeError) return { error };
    throw error;
  }
}

/** The lists, or the failure that stopped them. */
async function settle(
  reads: readonly Promise<readonly KubeObject[]>[],
): Promise<{ lists: (readonly KubeObject[])[] } | { error: KubeError }> {
  // The first failure in this order is the one reported, whichever answer came first.
  const settled = await Promise.allSettled(reads);
  const failed = settled.find((result) => result.status === "rejected");
  if (failed) {
    const reason = (failed as PromiseRejectedResult).reason;
    if (reason instanceof KubeError) return { error: reason };
    throw reason;
  }
  return {
    lists: settled.map((result) => (result as PromiseFulfilledResult<readonly KubeObject[]>).value),
  };
}

/**
 * Connects and lists what every reconcile past the leader check needs (a blocked one to withdraw
 * it): the routes and Services. It starts before the hook tools are read, so that the TLS
 * handshake and the requests overlap the tool calls; `more` then lists the rest once the config
 * says the reconcile can run.
 */
function startCluster(ctx: HookContext, connect: Connector) {
  const connected = connectOrFail(ctx, connect);
  const started = (async (): Promise<Connection> => {
    const client = await connected;
    if ("error" in client) return { client: null, cluster: client };
    const read = await settle(
      WITHDRAWN_KINDS.map((kind) => listOwned(client, ctx.appName, kind)),
    );
    if ("error" in read) return { client, cluster: { error: read.error } };
    return {
      client,
      cluster: {
        namespace: client.namespace,
        gatewayClasses: [] as string[],
        owned: new Map(WITHDRAWN_KINDS.map((kind, i) => [kind.kind, read.lists[i]])),
      },
    };
  })();
  // Not an unhandled rejection if a hook-tool failure ends the hook before anyone awaits it.
  started.catch(() => {});
  return {
    /** Only what withdrawing needs. */
    withdraw: (): Promise<Connection> => started,
    /** Everything: the GatewayClasses and every owned kind (the rest listed as soon as the
     * client is connected, alongside the first lists). */
    async full(): Promise<Connection> {
      const client = await connected;
      if ("error" in client) return await started;
      const rest = OWNED_KINDS.filter((kind) => !WITHDRAWN_KINDS.includes(kind));
      const [first, read] = await Promise.all([
        started,
        settle([
          client.list(KINDS.gatewayClass),
          ...rest.map((kind) => listOwned(client, ctx.appName, kind)),
        ]),
      ]);
      if ("error" in first.cluster) return first;
      if ("error" in read) return { client, cluster: { error: read.error } };
      const [classes, ...lists] = read.lists;
      const owned = new Map(first.cluster.owned);
      rest.forEach((kind, i) => owned.set(kind.kind, lists[i]));
      return {
        client,
        cluster: {
          namespace: first.cluster.namespace,
          gatewayClasses: classes.map((gc) => gc.metadata.name),
          owned,
          conditions: readConditions(owned, classes, ctx.appName, first.cluster.namespace),
        },
      };
    },
  };
}

/** Lists every owned kind at once (for `remove`). */
async function readCluster(
  ctx: HookContext,
  connect: Connector,
  required: readonly ResourceKind[],
  /** Kinds the cluster may not serve (their CRDs are optional): read as none when it does not. */
  optional: readonly ResourceKind[] = [],
): Promise<Connection> {
  const client = await connectOrFail(ctx, connect);
  if ("error" in client) return { client: null, cluster: client };
  const kinds = [...required, ...optional];
  const read = await settle([
    ...required.map((kind) => listOwned(client, ctx.appName, kind)),
    ...optional.map((kind) =>
      listOwned(client, ctx.appName, kind).catch((error) => {
        if (error instanceof KubeError && error.kind === "not-found") return [];
        throw error;
      })
    ),
  ]);
  if ("error" in read) return { client, cluster: { error: read.error } };
  return {
    client,
    cluster: {
      namespace: client.namespace,
      gatewayClasses: [],
      owned: new Map(kinds.map((kind, i) => [kind.kind, read.lists[i]])),
    },
  };
}

/** The certificate secret Juju says is due for renewal, when this hook is `secret-expired`. */
async function readExpiring(
  tools: HookTools,
  ctx: HookContext,
): Promise<ExpiringCertificate | null> {
  const { event } = ctx;
  if (event.kind !== "secret" || event.phase !== "expired" || !isCertificateSecret(event.label)) {
    return null;
  }
  const { findSecret } = await import("./tls.ts");
  const content = await findSecret(tools, event.label!);
  return { id: event.secretId, label: event.label!, csr: content?.csr ?? null };
}

/** The charm's TLS secrets (to forget them when no certificates relation is left). */
async function readTlsSecrets(tools: HookTools): Promise<TlsSecret[]> {
  const secrets: TlsSecret[] = [];
  for (const id of await tools.secretIds()) {
    const info = await tools.secretInfoGet({ id });
    if (isTlsSecret(info.label)) secrets.push({ id, label: info.label! });
  }
  return secrets;
}

async function gatherReconcile(
  ctx: HookContext,
  tools: HookTools,
  connect: Connector,
  now: Date,
): Promise<Gathered> {
  if (!(await tools.isLeader())) return { world: { kind: "follower" }, client: null };
  const { event, appName } = ctx;
  const kube = startCluster(ctx, connect);
  const [
    rawConfig,
    ingressIds,
    perUnitIds,
    routeIds,
    certificateIds,
    dnsIds,
    traefikIds,
    peerIds,
    caIds,
  ] = await Promise.all([
    tools.configGet(),
    liveRelations(tools, event, ENDPOINTS.ingress),
    liveRelations(tools, event, ENDPOINTS.ingressPerUnit),
    liveRelations(tools, event, ENDPOINTS.gatewayRoute),
    liveRelations(tools, event, ENDPOINTS.certificates),
    liveRelations(tools, event, ENDPOINTS.dnsRecord),
    liveRelations(tools, event, ENDPOINTS.traefikRoute),
    tools.relationIds(PEERS_ENDPOINT),
    liveRelations(tools, event, ENDPOINTS.receiveCa),
  ]);
  const config = parseConfig(rawConfig);
  const integrations = {
    ingress: ingressIds.length > 0,
    ingressPerUnit: perUnitIds.length > 0,
    gatewayRoute: routeIds.length > 0,
    certificates: certificateIds.length > 0,
  };
  // The config and the relation ids decide how much to read; everything else is then read at
  // once: the requirers, the cluster's answers, TLS, DNS records and the charm's secrets.
  const scope: GatherScope = !("message" in config) &&
      validateBeforeCluster(config, integrations, appName) === null
    ? "full"
    : "withdraw";
  const certificateRelation: RelationRef | null = certificateIds[0] ?? null;
  const full = scope === "full";
  // The peer databag holds copies of our ingress databags, which spare reading them back.
  const peersRead = readPeers(tools, appName, peerIds[0]);
  const copies = trustedIngressCopies(event, now, ingressIds, peersRead);
  const [
    [ingress, ingressPerUnit, routes, peers],
    { client, cluster: listed },
    tls,
    dnsRecords,
    tlsSecrets,
    caTransfer,
    traefikRoutes,
  ] = await Promise.all([
    Promise.all([
      readIngressRequirers(tools, event, appName, ingressIds, copies),
      readPerUnitRequirers(tools, event, appName, ctx.modelName, perUnitIds),
      readRouteRequirers(tools, event, appName, routeIds),
      peersRead,
    ]),
    full ? kube.full() : kube.withdraw(),
    (async () => {
      const expiring = await readExpiring(tools, ctx);
      // TLS is read when the reconcile can use it, and for a renewal whatever the config says.
      if (certificateRelation === null || !(full || expiring !== null)) {
        return { expiring, certificates: null };
      }
      const provider = remoteApp(tools, event, certificateRelation);
      // Awaited by readCertificates; not left unhandled should the module fail to load.
      provider.catch(() => {});
      const { readCertificates } = await import("./tls.ts");
      return {
        expiring,
        certificates: await readCertificates(tools, certificateRelation, appName, provider),
      };
    })(),
    full ? readDnsRecords(tools, appName, dnsIds) : [],
    full && certificateRelation === null ? readTlsSecrets(tools) : [],
    full ? readCaTransfer(tools, event, appName, caIds) : null,
    full ? readTraefikRouteRequirers(tools, event, appName, traefikIds) : [],
  ]);
  const withSlices = await withEndpointSlices(client, appName, ctx.modelName, ingress, listed);
  // Backend TLS kinds are listed only when the requirers, the relations or our Services say the
  // feature may be in use (src/gather/ca.ts): a reconcile without it lists nothing more.
  const cluster = full && client !== null && !("error" in withSlices)
    ? await listBackendTls(
      client,
      appName,
      withSlices,
      backendTlsKinds(ingress, caIds, withSlices.owned.get(KINDS.service.kind) ?? []),
    )
    : withSlices;
  const world: ReconcileWorld = {
    kind: "reconcile",
    app: appName,
    unit: ctx.unitName,
    model: ctx.modelName,
    event,
    now,
    leader: true,
    config,
    scope,
    integrations,
    ingress,
    ingressPerUnit,
    routes,
    traefikRoutes,
    dnsRecords,
    caTransfer,
    certificates: tls.certificates,
    expiring: tls.expiring,
    tlsSecrets,
    cluster,
    refused: [],
    peers,
  };
  return { world, client };
}

/** `remove`: the goal state, and the owned objects when the whole application is going. */
async function gatherRemove(
  ctx: HookContext,
  tools: HookTools,
  connect: Connector,
): Promise<Gathered> {
  const goal = await tools.goalState();
  const remainingUnits = Object.values(goal.units).filter((unit) => unit.status !== "dying")
    .length;
  if (remainingUnits > 0) {
    return { world: { kind: "remove", remainingUnits, cluster: null }, client: null };
  }
  // Leaving for good is rare: the EndpointSlices are listed whether or not any can exist.
  const { client, cluster } = await readCluster(
    ctx,
    connect,
    [...OWNED_KINDS, KINDS.endpointSlice],
    L4_OWNED_KINDS,
  );
  return { world: { kind: "remove", remainingUnits, cluster }, client };
}

async function gatherAction(
  ctx: HookContext,
  tools: HookTools,
  name: string,
  connect: Connector,
): Promise<World> {
  if (name === "show-proxied-endpoints") {
    const { gatherProxiedEndpoints } = await import("./endpoints.ts");
    return await gatherProxiedEndpoints(ctx, tools, connect);
  }
  if (name !== "get-certificate") return { kind: "unknown-action", name };
  return await gatherCertificateAction(ctx, tools);
}

/** Reads the world of one hook: a reconcile, `remove`, or an action. */
export async function gather(
  ctx: HookContext,
  tools: HookTools,
  connect: Connector,
  now: Date,
): Promise<Gathered> {
  const { event } = ctx;
  if (event.kind === "action") {
    return { world: await gatherAction(ctx, tools, event.name, connect), client: null };
  }
  if (event.kind === "lifecycle" && event.hook === "remove") {
    return await gatherRemove(ctx, tools, connect);
  }
  return await gatherReconcile(ctx, tools, connect, now);
}
