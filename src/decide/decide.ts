/**
 * The decide step: one pure function from the gathered `World` to the `Outcome` — the desired
 * objects per kind, every relation write, the secret operations, the status and the log lines.
 * No hook tools, no Kubernetes client, no clock but the world's `now`. Every status the README
 * promises is decided here, in the Python charm's validation order.
 */
import type { CharmConfig } from "../config.ts";
import { gatewayAddresses } from "../gateway/address.ts";
import {
  backendObjects,
  desiredObjects,
  type GatewayPlanInput,
  httpListenerCount,
  httpsServed,
  ingressHost,
  ingressRouting,
  normalHostname,
  urlBase,
} from "../gateway/plan.ts";
import { L4_OWNED_KINDS, liveL4Listeners } from "../gateway/l4.ts";
import { renderDnsEntries } from "../interfaces/dns_record.ts";
import { renderGatewayRouteProvider } from "../interfaces/gateway_route.ts";
import { renderIngressProvider } from "../interfaces/ingress.ts";
import type { Databag } from "../juju/tools.ts";
import { KINDS } from "../k8s/types.ts";
import { ipVersion } from "../net.ts";
import { type LogLine, type Outcome, type RelationWrite, reportOnly } from "../outcome.ts";
import {
  proxyMode,
  validateAfterCluster,
  validateBeforeCluster,
  validateGatewayClass,
} from "../validation.ts";
import type {
  IngressRequirer,
  ReconcileWorld,
  RemoveWorld,
  RouteRequirer,
  World,
} from "../world.ts";
import { decideCertificateAction } from "./certificate_action.ts";
import { decideProxiedEndpoints } from "./endpoints.ts";
import {
  DEFAULT_TCP_PORTS,
  perUnitTcpRequests,
  tcpOwner,
  tcpPortsOf,
  tcpUnitUrl,
} from "./ingress_per_unit_tcp.ts";
import {
  decidePerUnit,
  ownedByUnit,
  perUnitProblems,
  unitObjects,
  withdrawPerUnit,
  withPerUnitObjects,
} from "./ingress_per_unit.ts";
import { blockedMessageFor, describeError, sentences, truncated } from "./errors.ts";
import { describeJudgement, judge, type Judgement } from "./conditions.ts";
import { decideL4, l4OwnerOf, l4Requests } from "./l4.ts";
import { l4RequestObjects } from "../gateway/l4.ts";
import {
  traefikErrors,
  traefikHttpOwnerOf,
  traefikHttpRoutes,
  traefikL4Requests,
  traefikServesHttp,
  traefikUnlistened,
  traefikWrites,
  translateTraefikRoutes,
  withoutClaimedPaths,
} from "./traefik_route.ts";
import { httpListenerName, httpsListenerName, redirectRouteName } from "../gateway/names.ts";
import { listenerKey, sharedListenerProblem } from "../gateway/limits.ts";
import { decideForget, decideRenewalOnly, decideTls, type TlsDecision } from "./tls.ts";
import { decideRouting, ingressClaims, perUnitClaims, withdrawnBackendTls } from "./routing.ts";
import { gatewayRedirectRoute, requirerUrl } from "../gateway/routing.ts";
import { routeAcrossModels, withUnroutedUnits } from "./cross_model.ts";
import { standbyStatus, withPeerRecords } from "./units.ts";

export const TLS_WAITING = "Waiting for TLS certificates to be issued.";

/** Keys whose value differs from what the databag holds (nothing when all match). */
function changedKeys(current: Databag, wanted: Databag): Record<string, string> {
  const changes: Record<string, string> = {};
  for (const [key, value] of Object.entries(wanted)) {
    if ((current[key] ?? "") !== value) changes[key] = value;
  }
  return changes;
}

function write(
  requirer: { relation: RelationWrite["relation"] },
  data: Record<string, string>,
  needsObjects: boolean,
): RelationWrite[] {
  return Object.keys(data).length === 0
    ? []
    : [{ relation: requirer.relation, data, needsObjects }];
}

/** Each requirer's URL, published or wiped, written only where it changes. */
function ingressWrites(
  requirers: readonly IngressRequirer[],
  urls: ReadonlyMap<number, string>,
  needsObjects: boolean,
): RelationWrite[] {
  return requirers.flatMap((requirer) => {
    const url = urls.get(requirer.relation.id) ?? null;
    return url === requirer.currentUrl
      ? []
      : write(requirer, renderIngressProvider(url, requirer.version), needsObjects);
  });
}

/** Whose each object of the ingress and ingress-per-unit requirers is (`Kind/name` → who): no
 * other endpoint's object may replace one. */
function ingressObjects(world: ReconcileWorld): Map<string, string> {
  return new Map([
    [`HTTPRoute/${redirectRouteName(world.app)}`, "the Gateway's HTTP to HTTPS redirect"],
    ...world.ingress.flatMap((requirer) =>
      requirer.backend === null ? [] : backendObjects(world.app, requirer.backend).map((
        object,
      ) => [object, `ingress requirer ${requirer.app}`] as [string, string])
    ),
    ...world.ingressPerUnit.flatMap((requirer) =>
      requirer.units.flatMap((entry) =>
        unitObjects(world.app, entry.unit).map((object) =>
          [object, `ingress-per-unit unit ${entry.unit}`] as [string, string]
        )
      )
    ),
  ]);
}

/** Hostnames the Gateway serves: the ingress hostname, or every valid gateway-route requirer's. */
function managedHostnames(
  world: ReconcileWorld,
  ingressHostnames: readonly string[],
): string[] {
  switch (proxyMode(world.integrations)) {
    case "ingress":
      return [...ingressHostnames];
    case "gateway-route":
      return [
        ...new Set(
          world.routes.flatMap((requirer) => (requirer.hostnames ?? []).map(normalHostname)),
        ),
      ].sort();
    default:
      return [];
  }
}

/** An IP certificate is wanted when a gateway-route requirer asks for no hostname (§2). */
function wantsIpCertificate(world: ReconcileWorld): boolean {
  return world.integrations.certificates && proxyMode(world.integrations) === "gateway-route" &&
    world.routes.some((requirer) => requirer.hostnames !== null && requirer.hostnames.length === 0);
}

/** A gateway-route requirer is refused when one of its hostnames would have the listener name
 * of the IP certificate's HTTPS listener (`10-0-0-1` and `10.0.0.1`): the address keeps it. */
function withIpListener(world: ReconcileWorld, ip: string | null): ReconcileWorld {
  if (ip === null) return world;
  const key = listenerKey(ip);
  const clashing = (requirer: RouteRequirer) =>
    requirer.hostnames?.map(normalHostname).find((host) => listenerKey(host) === key);
  if (!world.routes.some((requirer) => clashing(requirer) !== undefined)) return world;
  const routes = world.routes.map((requirer) => {
    const host = clashing(requirer);
    if (host === undefined) return requirer;
    const why = sharedListenerProblem(ip, "the Gateway's address, which has a certificate");
    return { ...requirer, hostnames: null, error: `hostname ${JSON.stringify(host)} ${why}` };
  });
  return { ...world, routes };
}

function activeMessage(config: CharmConfig, addresses: readonly string[]): string {
  // Existing tooling reads the address as the third word: keep "Gateway addresses: <first>".
  const suffix = config.enforceHttps ? "" : " (enforce-https is set to false)";
  return `Gateway addresses: ${addresses.join(" ")}${suffix}`;
}

/** Blocked messages for requirers whose data is invalid or whose objects the API refused (by
 * requirer application): they are skipped, not fatal. */
function invalidRequirers(
  ingress: readonly IngressRequirer[],
  routes: readonly RouteRequirer[],
  refused: ReadonlyMap<string, string>,
  unservable: ReadonlyMap<string, string> = new Map(),
): string | null {
  const bad = (requirers: readonly { app: string; error: string | null }[]) =>
    requirers.filter((requirer) => requirer.error !== null)
      .map((requirer) => `${requirer.app}: ${requirer.error}`);
  const parts: string[] = [];
  const ingressErrors = bad(ingress);
  const routeErrors = bad(routes);
  if (ingressErrors.length) {
    parts.push(`Validation of ingress relation data failed. ${ingressErrors.join("; ")}`);
  }
  if (routeErrors.length) {
    parts.push(`Invalid gateway-route relation data: ${routeErrors.join("; ")}`);
  }
  if (unservable.size) {
    const each = [...unservable].map(([app, detail]) => `${app}: ${detail}`);
    parts.push(`Cannot serve ${each.join("; ")}`);
  }
  if (refused.size) {
    const each = [...refused].map(([app, detail]) => `${app}: ${detail}`);
    parts.push(`Kubernetes rejected the objects of ${each.join("; ")}`);
  }
  // Not cut here: the log line keeps all of it, the status-set adapter cuts the status.
  return parts.length ? sentences(parts) : null;
}

/** A requirer's URL is withdrawn while the controller refuses its route outright, and stays
 * withdrawn while its next generation is pending (it is published again once accepted). */
function withdrawn(judged: Judgement, id: number | string): boolean {
  const now = judged.owners.get(id);
  const before = judged.previous.get(id);
  if (now?.state === "refused") return now.withdraw;
  return now?.state === "pending" && before?.state === "refused" && before.withdraw;
}

function withDetails(message: string, details: readonly string[]): string {
  return details.length === 0 ? message : `${message}: ${details.join("; ")}`;
}

/** A Blocked status the decision names a problem with is logged too, so the log says it. */
function blocked(message: string): { status: NonNullable<Outcome["status"]>; log: LogLine } {
  return {
    status: { status: "blocked", message },
    log: { level: "WARNING", message: `blocked: ${message}` },
  };
}

/** The renewal part of a hook that does not reconcile TLS (blocked, or the cluster failed). */
function renewalOnly(world: ReconcileWorld): Pick<
  Outcome,
  "certificateRequests" | "secrets" | "logs"
> {
  const renewal = decideRenewalOnly(world.certificates, world.expiring);
  return { certificateRequests: renewal.requests, secrets: renewal.secrets, logs: renewal.logs };
}

/** Blocked before the reconcile could run: routes (HTTP and L4) and Services go, every URL is
 * wiped (the Python charm's cleanup, without its stale URLs). The Gateway and Secrets stay. */
function withdraw(world: ReconcileWorld, message: string): Outcome {
  const renewal = renewalOnly(world);
  const logs: LogLine[] = [...renewal.logs];
  let cluster: Outcome["cluster"] = null;
  if ("error" in world.cluster) {
    logs.push({
      level: "WARNING",
      message: `could not remove routes and Services: ${describeError(world.cluster.error)}`,
    });
  } else {
    // EndpointSlices only when they were listed (a cross-model backend's Service exists).
    const slices = world.cluster.owned.has(KINDS.endpointSlice.kind)
      ? [{ kind: KINDS.endpointSlice, objects: [] }]
      : [];
    cluster = {
      sets: [
        ...withdrawnBackendTls(world.cluster.owned),
        { kind: KINDS.httpRoute, objects: [] },
        // L4 routes too (their listeners stay on the Gateway with it, serving nothing). They
        // are deleted before their backend Services, so with no Service of ours left none can
        // remain: then they are not even listed (a blocked hook keeps its two requests). A
        // cluster without a route kind's CRD has none of it.
        ...((world.cluster.owned.get(KINDS.service.kind) ?? []).length > 0
          ? L4_OWNED_KINDS.map((kind) => ({ kind, objects: [], isolated: true }))
          : []),
        ...slices,
        { kind: KINDS.service, objects: [] },
      ],
      onFailure: "warn",
    };
  }
  const { status, log } = blocked(message);
  return {
    ...renewal,
    cluster,
    writes: [
      ...ingressWrites(world.ingress, new Map(), false),
      ...withdrawPerUnit(world.ingressPerUnit),
    ],
    logs: [...logs, log],
    status,
  };
}

function decideReconcile(found: ReconcileWorld): Outcome {
  let world = found;
  const { config, integrations } = world;
  if ("message" in config) return withdraw(world, config.message);
  const early = validateBeforeCluster(config, integrations, world.app);
  if (early !== null) return withdraw(world, early);
  if ("error" in world.cluster) {
    const { error } = world.cluster;
    const message = blockedMessageFor(error);
    if (message === null) return { ...reportOnly(null), retry: describeError(error) };
    return {
      ...reportOnly({ status: "blocked", message }),
      ...renewalOnly(world),
      logs: [...renewalOnly(world).logs, { level: "ERROR", message: describeError(error) }],
    };
  }
  const cluster = world.cluster;
  const late = validateGatewayClass(config, cluster.gatewayClasses) ??
    validateAfterCluster(config, integrations);
  if (late !== null) return withdraw(world, late);

  // The Gateway's address as the hook found it: for an IP certificate and the URLs.
  const gateway = (cluster.owned.get(KINDS.gateway.kind) ?? []).find((g) =>
    g.metadata.name === world.app
  );
  const addresses = gatewayAddresses(gateway);
  const address = addresses.usable[0] ?? null;
  const ipTarget = wantsIpCertificate(world)
    ? addresses.usable.find((usable) => ipVersion(usable) !== 0) ?? null
    : null;
  world = withIpListener(world, ipTarget);
  // A requirer one of whose objects the API refused earlier in this hook is left out; a refused
  // object of no single requirer blocks the application.
  const refusedBy = new Map<string, string>();
  const ingressOwned = ingressObjects(world);
  const traefik = withoutClaimedPaths(
    translateTraefikRoutes(
      world,
      (object) => ingressOwned.get(object),
    ),
    ingressClaims(world, config),
  );
  // Per-unit TCP units take ports no other endpoint asks for (a unit keeps the one it holds).
  const others = [...l4Requests(world), ...traefikL4Requests(traefik)];
  const perUnitTcp = perUnitTcpRequests(
    world.app,
    world.ingressPerUnit,
    liveL4Listeners(gateway),
    config.perUnitTcpPorts ?? DEFAULT_TCP_PORTS,
    tcpPortsOf(others),
  );
  const requestsL4 = [...others, ...perUnitTcp.requests];
  const leftOutL4 = new Set<string>();
  for (const refusal of world.refused) {
    const owner = world.ingress.find((requirer) =>
      requirer.backend !== null &&
      backendObjects(world.app, requirer.backend).includes(refusal.object)
    );
    const ownerL4 = owner === undefined
      ? l4OwnerOf(requestsL4, refusal.object) ?? traefikHttpOwnerOf(traefik, refusal.object)
      : undefined;
    if (ownerL4 !== undefined) {
      leftOutL4.add(ownerL4);
      if (!refusedBy.has(ownerL4)) refusedBy.set(ownerL4, refusal.detail);
      continue;
    }
    if (owner === undefined) {
      // A unit's refused object skips that unit alone (the per-unit part decides it).
      if (ownedByUnit(world.app, world.ingressPerUnit, refusal.object)) continue;
      const message = truncated(`Kubernetes rejected ${refusal.detail}`);
      return {
        ...reportOnly({ status: "blocked", message }),
        logs: [{ level: "ERROR", message }],
      };
    }
    if (!refusedBy.has(owner.app)) refusedBy.set(owner.app, refusal.detail);
  }
  // Which requirers the Gateway can serve, and on which hostnames (src/decide/routing.ts).
  const routing = decideRouting(
    world,
    config,
    world.ingress.filter((requirer) => requirer.backend !== null && !refusedBy.has(requirer.app)),
    perUnitClaims(world.ingressPerUnit),
  );
  const served = routing.admitted;
  const hostnames = managedHostnames(world, routing.hostnames);
  const targets = ipTarget ? [...hostnames, ipTarget] : hostnames;
  const tls: TlsDecision = world.certificates === null
    ? decideForget(world.tlsSecrets)
    : decideTls(world.certificates, world.expiring, targets, world.now);

  const mode = proxyMode(integrations);
  const input: GatewayPlanInput = {
    gateway: world.app,
    namespace: cluster.namespace,
    config,
    hostnames,
    issued: tls.issued,
    backends: served.map((requirer) => requirer.backend!),
    routes: mode === "ingress",
    backendTls: routing.backendTls,
    endpointSlices: cluster.owned.has(KINDS.endpointSlice.kind),
  };
  const l4 = decideL4(
    world,
    cluster.namespace,
    gateway,
    httpListenerCount(input),
    requestsL4,
    leftOutL4,
  );
  const traefikLeftOut = new Set([...leftOutL4, ...l4.refused.map((refusal) => refusal.owner)]);
  const traefikHttp = traefikHttpRoutes(traefik, {
    gateway: world.app,
    namespace: cluster.namespace,
    http: config.enforceHttps
      ? []
      : (hostnames.length ? hostnames : [null]).map((host) => httpListenerName(world.app, host)),
    https: tls.issued.map((issued) => httpsListenerName(world.app, issued.target)),
  }, traefikLeftOut);

  const host = ingressHost(config);
  // traefik-route requirers are told the external hostname's base (path mode's).
  const base = urlBase({ ...input, hostnames: host === null ? [] : [host] }, address);
  const perUnitHttp = {
    route: { gateway: world.app, namespace: cluster.namespace, host },
    base: null,
    https: httpsServed(input, host),
    enforceHttps: config.enforceHttps,
    hstsMaxAge: config.hstsMaxAge,
    // Units are routed as the ingress requirers are: every hostname, subdomains, timeouts.
    routing: ingressRouting(input),
    address,
    unservable: routing.unservableUnits,
  };
  const decideUnits = (withdrawnUnit: (unit: string) => boolean) =>
    decidePerUnit(
      world.app,
      world.ingressPerUnit,
      { ...perUnitHttp, withdrawn: withdrawnUnit },
      world.refused,
      {
        url: (unit) => withdrawnUnit(unit) ? null : tcpUnitUrl(l4, unit, address),
        invalid: perUnitTcp.invalid,
      },
    );
  let perUnit = decideUnits(() => false);
  // The HTTP→HTTPS redirect is the ingress part's when it has backends, else the units'.
  const redirect = config.enforceHttps && input.backends.length === 0 &&
      (perUnit.httpUnits > 0 || traefikServesHttp(traefik, traefikLeftOut))
    ? [gatewayRedirectRoute(ingressRouting(input), input.hostnames)]
    : [];
  const sets = withPerUnitObjects(
    desiredObjects({ ...input, l4, httpRoutes: traefikHttp }),
    perUnit,
    redirect,
  );
  const judged = judge({
    gateway: world.app,
    owned: cluster.owned,
    conditions: cluster.conditions,
    desired: sets,
    owners: [
      ...served.map((requirer) => ({
        id: requirer.relation.id,
        app: requirer.app,
        routes: backendObjects(world.app, requirer.backend!),
      })),
      // L4 requests (a per-unit TCP unit's among them) by their owner's name.
      ...requestsL4.filter((request) => !leftOutL4.has(request.owner)).map((request) => ({
        id: request.owner,
        app: request.owner,
        routes: l4RequestObjects(request),
      })),
      // A per-unit HTTP unit by the same name as a TCP one.
      ...world.ingressPerUnit.flatMap((requirer) => requirer.units).map(({ unit }) => ({
        id: tcpOwner(unit),
        app: tcpOwner(unit),
        routes: unitObjects(world.app, unit),
      })),
    ],
  });
  const unitWithdrawn = (unit: string) => withdrawn(judged, tcpOwner(unit));
  if (world.ingressPerUnit.some((requirer) => requirer.units.some((e) => unitWithdrawn(e.unit)))) {
    // The same objects; only the URLs of units whose routes the controller refuses go.
    perUnit = decideUnits(unitWithdrawn);
  }
  const urls = new Map<number, string>();
  for (const requirer of served) {
    const url = requirerUrl(ingressRouting(input), requirer.backend!, address);
    if (url !== null && !withdrawn(judged, requirer.relation.id)) {
      urls.set(requirer.relation.id, url);
    }
  }
  const writes = [...ingressWrites(world.ingress, urls, true), ...routing.writes];
  writes.push(...traefikWrites(world, base, host));
  writes.push(...perUnit.writes);
  if (address !== null) {
    const provider = renderGatewayRouteProvider({
      gatewayName: world.app,
      gatewayModel: world.model,
      httpsMode: config.enforceHttps
        ? "enforced"
        : integrations.certificates
        ? "enabled"
        : "disabled",
      gatewayAddress: address,
      hstsMaxAge: config.enforceHttps ? config.hstsMaxAge : null,
    });
    for (const requirer of world.routes) {
      if (requirer.hostnames !== null) {
        writes.push(...write(requirer, changedKeys(requirer.current, provider), true));
      }
    }
  }
  const ip = addresses.usable.find((usable) => ipVersion(usable) !== 0);
  if (ip !== undefined || hostnames.length === 0) {
    const entries = ip === undefined
      ? []
      : hostnames.map((hostname) => ({ hostname, address: ip }));
    const rendered = world.dnsRecords.length > 0 ? renderDnsEntries(entries) : {};
    for (const relation of world.dnsRecords) {
      writes.push(...write(relation, changedKeys(relation.current, rendered), true));
    }
  }

  const logs: LogLine[] = [...tls.logs, ...routing.logs, ...judged.logs];
  // Said in the log, not the status: charms send such routers beside ones that serve (grafana's
  // `-tls` router on websecure only), and a Gateway without certificates is a working deployment.
  const unlistened = traefikUnlistened(traefik, traefikLeftOut, {
    http: !config.enforceHttps,
    https: integrations.certificates,
  });
  if (unlistened !== null) logs.push({ level: "WARNING", message: unlistened });
  const invalidParts = [
    invalidRequirers(world.ingress, world.routes, refusedBy, routing.unservable),
    traefikErrors(traefik),
    perUnitTcp.problem,
    perUnitProblems(perUnit),
    ...l4.refused.map((refusal) => refusal.message),
  ].filter((part) => part !== null);
  const invalidData = sentences(invalidParts);
  const invalid = [
    ...judged.blockedGateway,
    ...(invalidData === "" ? [] : [invalidData]),
    ...judged.blockedRoutes,
  ].join("; ") || null;
  const pending = [
    ...world.ingress.filter((requirer) => requirer.pending).map((r) => r.app),
    ...perUnit.pending,
  ];
  const unsupported = addresses.unsupported.join(", ");
  let status: NonNullable<Outcome["status"]>;
  if (invalid !== null) {
    const decided = blocked(invalid);
    status = decided.status;
    logs.push(decided.log);
  } else if (tls.refused.length > 0) {
    const decided = blocked(`Cannot request TLS certificates: ${tls.refused.join("; ")}`);
    status = decided.status;
    logs.push(decided.log);
  } else if (addresses.usable.length === 0 && unsupported) {
    logs.push({
      level: "WARNING",
      message: `Gateway reported unsupported addresses: ${unsupported}`,
    });
    status = { status: "blocked", message: "Gateway reported unsupported address" };
  } else if (tls.pending.length > 0) {
    logs.push({
      level: "INFO",
      message: `waiting for certificates for: ${tls.pending.join(", ")}`,
    });
    status = { status: "waiting", message: TLS_WAITING };
  } else if (address === null) {
    const said = judged.gateway.state === "pending" ? judged.gateway.details : [];
    status = { status: "waiting", message: withDetails("Waiting for gateway address", said) };
  } else if (judged.waiting !== null) {
    status = {
      status: "waiting",
      message: withDetails("Waiting for the Gateway controller", judged.waiting),
    };
  } else if (pending.length > 0) {
    status = { status: "waiting", message: `Waiting for ingress data from ${pending.join(", ")}` };
  } else {
    status = { status: "active", message: activeMessage(config, addresses.usable) };
  }
  return {
    cluster: { sets, onFailure: "block" },
    certificateRequests: tls.requests,
    secrets: tls.secrets,
    writes,
    logs,
    status,
    conditions: describeJudgement(judged, served),
  };
}

/** `remove`: when the whole application is going away, everything it owns goes. A unit removed
 * from a living application (scale-down) leaves the objects to the remaining leader. */
function decideRemove(world: RemoveWorld): Outcome {
  if (world.remainingUnits > 0) {
    return reportOnly(null, [{
      level: "INFO",
      message: `${world.remainingUnits} unit(s) remain: Kubernetes objects are kept`,
    }]);
  }
  if (world.cluster === null || "error" in world.cluster) {
    const error = world.cluster === null ? "no cluster" : describeError(world.cluster.error);
    return { ...reportOnly(null), retry: error };
  }
  return {
    ...reportOnly(null),
    cluster: {
      sets: [
        ...withdrawnBackendTls(world.cluster.owned),
        ...[
          KINDS.httpRoute,
          ...L4_OWNED_KINDS,
          KINDS.endpointSlice,
          KINDS.service,
          KINDS.gateway,
          KINDS.secret,
        ].map((kind) => ({
          kind,
          objects: [],
        })),
      ],
      onFailure: "retry",
      announce: "application removed",
    },
  };
}

export function decide(world: World): Outcome {
  switch (world.kind) {
    case "follower":
      // Only when the charm is run without its standby check (src/standby.ts names the leader).
      return reportOnly(standbyStatus(null, ""));
    case "reconcile": {
      const routed = routeAcrossModels(world);
      const outcome = withUnroutedUnits(decideReconcile(routed), routed);
      return withPeerRecords(outcome, world.peers, world.unit, world.ingress);
    }
    case "remove":
      return decideRemove(world);
    case "get-certificate":
      return decideCertificateAction(world);
    case "show-proxied-endpoints":
      return decideProxiedEndpoints(world);
    case "unknown-action":
      return { ...reportOnly(null), action: { fail: `Unknown action: ${world.name}` } };
  }
}
