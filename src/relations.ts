/**
 * Reading and writing the charm's relations through the hook tools: gather what the requirers
 * ask for, and publish what the charm decided (ingress URLs, gateway-route provider data, DNS
 * entries), writing only what changes. The wire formats live in `src/interfaces/`.
 */
import {
  GatewayRouteDataError,
  parseGatewayRouteRequest,
  renderGatewayRouteProvider,
} from "./interfaces/gateway_route.ts";
import { renderDnsEntries } from "./interfaces/dns_record.ts";
import {
  IngressDataError,
  parseIngressRequest,
  publishedUrl,
  renderIngressProvider,
} from "./interfaces/ingress.ts";
import type { Backend } from "./gateway/objects.ts";
import type { JujuEvent } from "./juju/context.ts";
import { HookToolError } from "./juju/errors.ts";
import type { Databag, HookTools, RelationRef } from "./juju/tools.ts";

export const ENDPOINTS = {
  ingress: "gateway",
  gatewayRoute: "gateway-route",
  certificates: "certificates",
  dnsRecord: "dns-record",
} as const;

/** Relations of an endpoint, leaving out the one whose `-broken` hook is running. */
export async function liveRelations(
  tools: HookTools,
  event: JujuEvent,
  endpoint: string,
): Promise<RelationRef[]> {
  const relations = await tools.relationIds(endpoint);
  if (event.kind === "relation" && event.phase === "broken" && event.endpoint === endpoint) {
    return relations.filter((relation) => relation.id !== event.relationId);
  }
  return relations;
}

/** The remote application of a relation (from the hook's environment when it is this one). */
export function remoteApp(
  tools: HookTools,
  event: JujuEvent,
  relation: RelationRef,
): Promise<string> {
  if (event.kind === "relation" && event.relationId === relation.id && event.remoteApp) {
    return Promise.resolve(event.remoteApp);
  }
  return tools.relationRemoteApp(relation);
}

/** Reads a relation; one that vanished during the hook reads as null. */
async function ifPresent<T>(read: () => Promise<T>): Promise<T | null> {
  try {
    return await read();
  } catch (error) {
    if (error instanceof HookToolError && error.kind === "relation-not-found") return null;
    throw error;
  }
}

export interface IngressRequirer {
  readonly relation: RelationRef;
  readonly app: string;
  readonly backend: Backend | null;
  readonly error: string | null;
  /** The requirer has not written its data yet. */
  readonly pending: boolean;
  /** The URL our databag currently holds for it. */
  readonly currentUrl: string | null;
}

async function readIngressRequirer(
  tools: HookTools,
  event: JujuEvent,
  ownApp: string,
  relation: RelationRef,
): Promise<IngressRequirer | null> {
  return await ifPresent(async () => {
    // Independent reads run together: every hook-tool call is a process.
    const [units, ownData] = await Promise.all([
      tools.relationUnits(relation),
      tools.relationGet(relation, ownApp, true),
    ]);
    // A remote unit's name starts with its application's: no `relation-list --app` then.
    const app = units.length > 0 && !(event.kind === "relation" && event.relationId === relation.id)
      ? units[0].split("/")[0]
      : await remoteApp(tools, event, relation);
    const [appData, ...unitBags] = await Promise.all([
      tools.relationGet(relation, app, true),
      ...units.map((unit) => tools.relationGet(relation, unit, false)),
    ]);
    const unitData: Record<string, Databag> = Object.fromEntries(
      units.map((unit, index) => [unit, unitBags[index]]),
    );
    const currentUrl = publishedUrl(ownData);
    const base = { relation, app, currentUrl };
    try {
      const request = parseIngressRequest(appData, unitData);
      const backend = {
        model: request.model,
        app: request.name,
        port: request.port,
        stripPrefix: request.stripPrefix,
      };
      return { ...base, backend, error: null, pending: false };
    } catch (error) {
      if (!(error instanceof IngressDataError)) throw error;
      return {
        ...base,
        backend: null,
        error: error.incomplete ? null : error.message,
        pending: error.incomplete,
      };
    }
  });
}

/** Every ingress requirer; two claiming the same application name keep only the first. */
export async function readIngressRequirers(
  tools: HookTools,
  event: JujuEvent,
  ownApp: string,
  relations: readonly RelationRef[],
): Promise<IngressRequirer[]> {
  const requirers: IngressRequirer[] = [];
  const seen = new Map<string, string>();
  const read = await Promise.all(
    relations.map((relation) => readIngressRequirer(tools, event, ownApp, relation)),
  );
  for (const requirer of read) {
    if (!requirer) continue;
    const name = requirer.backend?.app;
    const first = name === undefined ? undefined : seen.get(name);
    if (name !== undefined && first !== undefined) {
      requirers.push({
        ...requirer,
        backend: null,
        error: `application name "${name}" is already used by the ingress of ${first}`,
      });
      continue;
    }
    if (name !== undefined) seen.set(name, requirer.app);
    requirers.push(requirer);
  }
  return requirers;
}

/** Publishes or wipes each requirer's URL, writing only what changes. */
export async function publishIngressUrls(
  tools: HookTools,
  requirers: readonly IngressRequirer[],
  urls: ReadonlyMap<number, string>,
): Promise<void> {
  await Promise.all(requirers.map(async (requirer) => {
    const url = urls.get(requirer.relation.id) ?? null;
    if (url === requirer.currentUrl) return;
    await tools.relationSet(requirer.relation, renderIngressProvider(url), true);
  }));
}

export interface RouteRequirer {
  readonly relation: RelationRef;
  readonly app: string;
  /** The hostnames asked for, or null when the data is invalid. */
  readonly hostnames: readonly string[] | null;
  readonly error: string | null;
  readonly current: Databag;
}

export async function readRouteRequirers(
  tools: HookTools,
  event: JujuEvent,
  ownApp: string,
  relations: readonly RelationRef[],
): Promise<RouteRequirer[]> {
  const read = await Promise.all(
    relations.map((relation) =>
      ifPresent(async (): Promise<RouteRequirer> => {
        const [app, current] = await Promise.all([
          remoteApp(tools, event, relation),
          tools.relationGet(relation, ownApp, true),
        ]);
        try {
          const { hostnames } = parseGatewayRouteRequest(
            await tools.relationGet(relation, app, true),
          );
          return { relation, app, hostnames, error: null, current };
        } catch (error) {
          if (!(error instanceof GatewayRouteDataError)) throw error;
          return { relation, app, hostnames: null, error: error.message, current };
        }
      })
    ),
  );
  return read.filter((requirer): requirer is RouteRequirer => requirer !== null);
}

/** Writes keys whose value differs from what the databag holds. */
async function setChanged(
  tools: HookTools,
  relation: RelationRef,
  current: Databag,
  wanted: Databag,
) {
  const changes: Record<string, string> = {};
  for (const [key, value] of Object.entries(wanted)) {
    if ((current[key] ?? "") !== value) changes[key] = value;
  }
  await tools.relationSet(relation, changes, true);
}

export interface RouteProviderData {
  readonly gatewayName: string;
  readonly gatewayModel: string;
  readonly httpsMode: "disabled" | "enabled" | "enforced";
  readonly gatewayAddress: string | null;
  readonly hstsMaxAge: number | null;
}

/** Publishes the provider data to every gateway-route requirer whose data is valid. */
export async function publishRouteProviderData(
  tools: HookTools,
  requirers: readonly RouteRequirer[],
  data: RouteProviderData,
): Promise<void> {
  const rendered = renderGatewayRouteProvider(data);
  for (const requirer of requirers) {
    if (requirer.hostnames !== null) {
      await setChanged(tools, requirer.relation, requirer.current, rendered);
    }
  }
}

/** DNS entries for every hostname at the Gateway's IP address; cleared when there are none. */
export async function publishDnsEntries(
  tools: HookTools,
  ownApp: string,
  relations: readonly RelationRef[],
  entries: readonly { hostname: string; address: string }[],
): Promise<void> {
  if (relations.length === 0) return;
  const rendered = await renderDnsEntries(entries);
  for (const relation of relations) {
    await ifPresent(async () => {
      const current = await tools.relationGet(relation, ownApp, true);
      await setChanged(tools, relation, current, rendered);
    });
  }
}
