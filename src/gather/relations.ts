/**
 * Reading the charm's relations through the hook tools: what each requirer asked for, parsed
 * with the wire formats of `src/interfaces/` (which relations are live and who is on the other
 * side: `relation_refs.ts`). A relation that vanishes while the hook reads it is left out.
 */
import {
  listenerClash,
  listenerHostnameProblem,
  listenerKey,
  MAX_GATEWAY_HOSTNAMES,
  sharedListenerProblem,
} from "../gateway/limits.ts";
import { normalHostname } from "../gateway/plan.ts";
import { GatewayRouteDataError, parseGatewayRouteRequest } from "../interfaces/gateway_route.ts";
import { IngressDataError, parseIngressRequest, publishedUrl } from "../interfaces/ingress.ts";
import { ifPresent, remoteApp } from "./relation_refs.ts";
import type { JujuEvent } from "../juju/context.ts";
import type { Databag, HookTools, RelationRef } from "../juju/tools.ts";
import type { DnsRecordRelation, IngressRequirer, RouteRequirer } from "../world.ts";

export { ENDPOINTS, ifPresent, liveRelations, remoteApp } from "./relation_refs.ts";

/** Our databag in a relation, when a trusted copy of it spares the read (`published.ts`). */
export type OwnDatabagCopy = (relation: RelationRef) => Promise<Databag | undefined>;

async function readIngressRequirer(
  tools: HookTools,
  event: JujuEvent,
  ownApp: string,
  relation: RelationRef,
  copyOf: OwnDatabagCopy,
): Promise<IngressRequirer | null> {
  return await ifPresent(async () => {
    // Independent reads run together: every hook-tool call is a process.
    const [units, ownData] = await Promise.all([
      tools.relationUnits(relation),
      copyOf(relation).then((copy) => copy ?? tools.relationGet(relation, ownApp, true)),
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
    const base = { relation, app, currentUrl: publishedUrl(ownData), databag: ownData };
    try {
      const request = parseIngressRequest(appData, unitData);
      const backend = {
        model: request.model,
        app: request.name,
        port: request.port,
        stripPrefix: request.stripPrefix,
        scheme: request.scheme,
        redirectHttps: request.redirectHttps,
        hosts: request.units.map((unit) => unit.host),
      };
      const units = request.units.map(({ unit, ip }) => ({ unit, ip }));
      return {
        ...base,
        currentUrl: publishedUrl(ownData, request.version),
        backend,
        error: null,
        pending: false,
        units,
        version: request.version,
      };
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
  copyOf: OwnDatabagCopy = () => Promise.resolve(undefined),
): Promise<IngressRequirer[]> {
  const requirers: IngressRequirer[] = [];
  const seen = new Map<string, string>();
  const read = await Promise.all(
    relations.map((relation) => readIngressRequirer(tools, event, ownApp, relation, copyOf)),
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

/**
 * Every gateway-route requirer. Their hostnames share the Gateway's listeners: a requirer whose
 * hostnames would take the Gateway beyond what its listeners can serve is refused, not the
 * Gateway (the requirers before it, in relation order, keep theirs). The databags are read at
 * once (every hook-tool call is a process); the budget is counted in relation order.
 */
export async function readRouteRequirers(
  tools: HookTools,
  event: JujuEvent,
  ownApp: string,
  relations: readonly RelationRef[],
): Promise<RouteRequirer[]> {
  const read = await Promise.all(
    relations.map((relation) =>
      ifPresent(async () => {
        const [app, current] = await Promise.all([
          remoteApp(tools, event, relation),
          tools.relationGet(relation, ownApp, true),
        ]);
        return { relation, app, current, data: await tools.relationGet(relation, app, true) };
      })
    ),
  );
  const requirers: RouteRequirer[] = [];
  const served = new Set<string>();
  // Listener key → the hostname whose listener it is (names do not tell "." from "-").
  const listeners = new Map<string, string>();
  for (const found of read) {
    if (found === null) continue;
    const { relation, app, current } = found;
    const refuse = (error: string) =>
      requirers.push({ relation, app, hostnames: null, error, current });
    let hostnames: readonly string[];
    try {
      hostnames = parseGatewayRouteRequest(found.data).hostnames;
    } catch (error) {
      if (!(error instanceof GatewayRouteDataError)) throw error;
      refuse(error.message);
      continue;
    }
    // The Gateway's listener names embed each hostname: they must fit too.
    const problem = hostnames.map((hostname) => {
      const why = listenerHostnameProblem(ownApp, normalHostname(hostname));
      return why === null ? null : `hostname ${JSON.stringify(hostname.slice(0, 100))} ${why}`;
    }).find((why) => why !== null);
    if (problem) {
      refuse(problem);
      continue;
    }
    const normal = hostnames.map(normalHostname);
    const clash = listenerClash(normal, listeners);
    if (clash !== null) {
      refuse(
        `hostname ${JSON.stringify(clash.host.slice(0, 100))} ` +
          sharedListenerProblem(clash.other, clash.taken ? "another requirer's" : undefined),
      );
      continue;
    }
    const all = new Set([...served, ...normal]);
    if (all.size > MAX_GATEWAY_HOSTNAMES) {
      refuse(
        `asks for ${hostnames.length} hostname(s): with the other requirers' ` +
          `that is more than the Gateway's listeners can serve (${MAX_GATEWAY_HOSTNAMES})`,
      );
      continue;
    }
    for (const hostname of all) served.add(hostname);
    for (const hostname of normal) listeners.set(listenerKey(hostname), hostname);
    requirers.push({ relation, app, hostnames, error: null, current });
  }
  return requirers;
}

/** Our application databag in each dns-record relation. */
export async function readDnsRecords(
  tools: HookTools,
  ownApp: string,
  relations: readonly RelationRef[],
): Promise<DnsRecordRelation[]> {
  const read: DnsRecordRelation[] = [];
  for (const relation of relations) {
    const current = await ifPresent(() => tools.relationGet(relation, ownApp, true));
    if (current !== null) read.push({ relation, current });
  }
  return read;
}
