/**
 * Reading what `show-proxied-endpoints` reports: our application databag in every ingress,
 * ingress-per-unit and gateway-route relation (what each requirer was told), the config, the
 * Gateway's address and its L4 listeners (what traefik-route requirers are served). Our databags are what is served: a URL is written there only once its
 * objects are applied.
 */
import { parseConfig } from "../config.ts";
import { gatewayAddresses } from "../gateway/address.ts";
import { type L4Listener, liveL4Listeners } from "../gateway/l4.ts";
import { GatewayRouteDataError, parseGatewayRouteRequest } from "../interfaces/gateway_route.ts";
import { publishedUrl } from "../interfaces/ingress.ts";
import { parseUnitUrls } from "../interfaces/ingress_per_unit.ts";
import type { HookContext } from "../juju/context.ts";
import type { HookTools, RelationRef } from "../juju/tools.ts";
import { KINDS, type KubeClient, KubeError } from "../k8s/types.ts";
import type { ProxiedEndpointsWorld } from "../world.ts";
import { ENDPOINTS, ifPresent, liveRelations, remoteApp } from "./relations.ts";
import { listConditions, type ListedConditions } from "./conditions.ts";

/** Each live relation of an endpoint with its remote application and our databag, read by `f`. */
async function eachRelation<T>(
  tools: HookTools,
  ctx: HookContext,
  endpoint: string,
  read: (relation: RelationRef, app: string) => Promise<T>,
): Promise<T[]> {
  const relations = await liveRelations(tools, ctx.event, endpoint);
  const read_ = await Promise.all(
    relations.map((relation) =>
      ifPresent(async () => read(relation, await remoteApp(tools, ctx.event, relation)))
    ),
  );
  return read_.filter((value) => value !== null);
}

async function readGateway(
  ctx: HookContext,
  connect: (ctx: HookContext) => Promise<KubeClient>,
): Promise<
  {
    address: string | null;
    error: string | null;
    listeners: L4Listener[];
    listed: ListedConditions | null;
  }
> {
  try {
    const client = await connect(ctx);
    const read = client.get(KINDS.gateway, ctx.appName);
    // The routes and classes too, at once, for what the Gateway controller says of each endpoint.
    const [gateway, listed] = await Promise.all([read, listConditions(client, ctx.appName, read)]);
    return {
      address: gatewayAddresses(gateway ?? undefined).usable[0] ?? null,
      error: null,
      listeners: liveL4Listeners(gateway ?? undefined),
      listed,
    };
  } catch (error) {
    if (!(error instanceof KubeError)) throw error;
    return { address: null, error: error.message, listeners: [], listed: null };
  }
}

export async function gatherProxiedEndpoints(
  ctx: HookContext,
  tools: HookTools,
  connect: (ctx: HookContext) => Promise<KubeClient>,
): Promise<ProxiedEndpointsWorld> {
  const { appName } = ctx;
  const base = { kind: "show-proxied-endpoints" as const, app: appName };
  const empty = {
    gatewayAddress: null,
    gatewayError: null,
    listed: null,
    l4Listeners: [],
    ingress: [],
    perUnit: [],
    routes: [],
    traefikRoutes: [],
  };
  if (!(await tools.isLeader())) {
    return { ...base, leader: false, config: parseConfig({}), ...empty };
  }
  const ours = (relation: RelationRef) => tools.relationGet(relation, appName, true);
  const [rawConfig, gateway, ingress, perUnit, routes, traefikRoutes] = await Promise.all([
    tools.configGet(),
    readGateway(ctx, connect),
    eachRelation(tools, ctx, ENDPOINTS.ingress, async (relation, app) => ({
      app,
      url: publishedUrl(await ours(relation)),
    })),
    eachRelation(tools, ctx, ENDPOINTS.ingressPerUnit, async (relation, app) => ({
      app,
      urls: parseUnitUrls((await ours(relation)).ingress),
    })),
    eachRelation(tools, ctx, ENDPOINTS.gatewayRoute, async (relation, app) => {
      const [provided, requested] = await Promise.all([
        ours(relation),
        tools.relationGet(relation, app, true),
      ]);
      let hostnames: readonly string[] | null;
      try {
        hostnames = parseGatewayRouteRequest(requested).hostnames;
      } catch (error) {
        if (!(error instanceof GatewayRouteDataError)) throw error;
        hostnames = null;
      }
      return { app, hostnames, provided };
    }),
    eachRelation(tools, ctx, ENDPOINTS.traefikRoute, (_relation, app) => Promise.resolve({ app })),
  ]);
  return {
    ...base,
    leader: true,
    config: parseConfig(rawConfig),
    gatewayAddress: gateway.address,
    gatewayError: gateway.error,
    listed: gateway.listed,
    l4Listeners: gateway.listeners,
    ingress,
    perUnit,
    routes,
    traefikRoutes,
  };
}
