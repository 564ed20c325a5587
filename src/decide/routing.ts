/**
 * The routing part of the decision for ingress requirers: which of them the Gateway can serve
 * (a subdomain must fit a listener and a certificate, and not be another requirer's; an HTTPS
 * backend needs BackendTLSPolicy and host names its certificate can be checked against), the
 * hostnames the Gateway listens on, the received CAs for backend TLS, and our databag in each
 * `receive-ca-cert` relation. Pure.
 */
import type { CharmConfig } from "../config.ts";
import {
  listenerClash,
  listenerHostnameProblem,
  listenerKey,
  MAX_GATEWAY_HOSTNAMES,
  sharedListenerProblem,
} from "../gateway/limits.ts";
import { ingressPath } from "../gateway/names.ts";
import type { PathClaim } from "./traefik_route.ts";
import { ingressHost } from "../gateway/plan.ts";
import { backendTlsNames, baseHostnames, requirerHosts, routingOf } from "../gateway/routing.ts";
import { renderTransferRequirer } from "../interfaces/certificate_transfer.ts";
import type { DesiredSet } from "../k8s/reconcile.ts";
import { KINDS, type KubeObject } from "../k8s/types.ts";
import type { LogLine, RelationWrite } from "../outcome.ts";
import type { Backend } from "../gateway/objects.ts";
import { unitBackend } from "../gateway/per_unit.ts";
import type { IngressRequirer, PerUnitRequirer, ReconcileWorld } from "../world.ts";
import { MAX_COMMON_NAME } from "./tls.ts";

export interface RoutingDecision {
  /** The requirers served, in order. */
  readonly admitted: readonly IngressRequirer[];
  /** Requirers that cannot be served, by application, with why. */
  readonly unservable: ReadonlyMap<string, string>;
  /** Ingress-per-unit units that cannot be served (their subdomain), by unit, with why. */
  readonly unservableUnits: ReadonlyMap<string, string>;
  /** The hostnames the Gateway listens on in ingress mode (sorted). */
  readonly hostnames: readonly string[];
  /** Set when the backend TLS kinds were listed (they are converged). */
  readonly backendTls: { readonly caCertificates: readonly string[] } | null;
  readonly writes: readonly RelationWrite[];
  readonly logs: readonly LogLine[];
}

/** What the requirers (and units) admitted so far hold: subdomain mode's hostnames and their
 * listeners, path mode's paths. */
interface Taken {
  /** Hostname → who it is served for. */
  readonly hosts: Map<string, string>;
  /** Listener key → the hostname whose listener it is (names do not tell "." from "-"). */
  readonly listeners: Map<string, string>;
  /** Path → who it is served for. */
  readonly paths: Map<string, string>;
}

/** Why the Gateway cannot serve a requirer, given what is already taken, or null. */
function problem(
  world: ReconcileWorld,
  config: CharmConfig,
  backend: Backend,
  taken: Taken,
): string | null {
  if (backend.scheme === "https") {
    const cluster = "error" in world.cluster ? null : world.cluster;
    if (cluster?.unserved?.includes(KINDS.backendTlsPolicy.kind)) {
      return "scheme https needs BackendTLSPolicy (Gateway API v1.4 or later, standard channel), " +
        "which this cluster does not serve";
    }
    const names = backendTlsNames(backend);
    if ("error" in names) return names.error;
  }
  if (routingOf(config).mode !== "subdomain") {
    // Two requirers on one path: the Gateway could send either's traffic to the other.
    const path = ingressPath(backend.model, backend.app);
    const owner = taken.paths.get(path);
    return owner === undefined ? null : `path ${path} is already served for ${owner}`;
  }
  const hosts = requirerHosts(config, ingressHost(config), backend);
  for (const host of hosts) {
    const why = listenerHostnameProblem(world.app, host);
    if (why !== null) return `subdomain ${host} ${why}`;
    if (world.integrations.certificates && host.length > MAX_COMMON_NAME) {
      return `subdomain ${host} is longer than ${MAX_COMMON_NAME} characters: no certificate can name it`;
    }
    const owner = taken.hosts.get(host);
    if (owner !== undefined) return `subdomain ${host} is already served for ${owner}`;
  }
  const clash = listenerClash(hosts, taken.listeners);
  if (clash !== null) {
    const whose = clash.taken ? `served for ${taken.hosts.get(clash.other)}` : undefined;
    return `subdomain ${clash.host} ${sharedListenerProblem(clash.other, whose)}`;
  }
  if (taken.hosts.size + hosts.length > MAX_GATEWAY_HOSTNAMES) {
    return `its subdomains would take the Gateway past ${MAX_GATEWAY_HOSTNAMES} hostnames ` +
      "(each needs its own listeners)";
  }
  return null;
}

/** The HTTP units of the ingress-per-unit requirers, each as the route builders see it. */
export function perUnitClaims(
  requirers: readonly PerUnitRequirer[],
): { unit: string; backend: Backend }[] {
  return requirers.filter((requirer) => requirer.error === null).flatMap((requirer) =>
    requirer.units.flatMap((entry) =>
      entry.request !== null && entry.request.mode !== "tcp"
        ? [{ unit: entry.unit, backend: unitBackend(entry.request) }]
        : []
    )
  );
}

/** Where each ingress requirer and ingress-per-unit HTTP unit is served (host, path), for what
 * other endpoints may not take (`withoutClaimedPaths`). */
export function ingressClaims(
  world: ReconcileWorld,
  config: CharmConfig,
): PathClaim[] {
  const subdomain = routingOf(config).mode === "subdomain";
  const claims = (owner: string, backend: Backend) => {
    const hosts = requirerHosts(config, ingressHost(config), backend);
    const path = subdomain ? "/" : ingressPath(backend.model, backend.app);
    return (hosts.length === 0 ? [null] : hosts).map((host) => ({ host, path, owner }));
  };
  return [
    ...world.ingress.flatMap((requirer) =>
      requirer.backend === null ? [] : claims(requirer.app, requirer.backend)
    ),
    ...perUnitClaims(world.ingressPerUnit).flatMap(({ unit, backend }) => claims(unit, backend)),
  ];
}

export function decideRouting(
  world: ReconcileWorld,
  config: CharmConfig,
  served: readonly IngressRequirer[],
  /** Ingress-per-unit HTTP units: in subdomain mode each has its own subdomains. */
  units: readonly { unit: string; backend: Backend }[] = [],
): RoutingDecision {
  const admitted: IngressRequirer[] = [];
  const unservable = new Map<string, string>();
  const unservableUnits = new Map<string, string>();
  const taken: Taken = { hosts: new Map(), listeners: new Map(), paths: new Map() };
  const claim = (owner: string, backend: Backend) => {
    if (routingOf(config).mode !== "subdomain") {
      taken.paths.set(ingressPath(backend.model, backend.app), owner);
      return;
    }
    for (const host of requirerHosts(config, ingressHost(config), backend)) {
      taken.hosts.set(host, owner);
      taken.listeners.set(listenerKey(host), host);
    }
  };
  for (const requirer of served) {
    const why = problem(world, config, requirer.backend!, taken);
    if (why !== null) {
      unservable.set(requirer.app, why);
      continue;
    }
    admitted.push(requirer);
    claim(requirer.app, requirer.backend!);
  }
  for (const { unit, backend } of units) {
    const why = problem(world, config, backend, taken);
    if (why !== null) {
      unservableUnits.set(unit, why);
      continue;
    }
    claim(unit, backend);
  }
  const hostnames = routingOf(config).mode === "subdomain"
    ? [...taken.hosts.keys()].sort()
    : [...new Set(baseHostnames(config, ingressHost(config)))].sort();
  const listed = !("error" in world.cluster) &&
    world.cluster.owned.has(KINDS.backendTlsPolicy.kind) &&
    world.cluster.owned.has(KINDS.configMap.kind);
  const transfer = world.caTransfer ?? null;
  const wanted = renderTransferRequirer();
  const writes: RelationWrite[] = (transfer?.relations ?? [])
    .filter(({ current }) => current.version !== wanted.version)
    .map(({ relation }) => ({ relation, data: wanted, needsObjects: false }));
  return {
    admitted,
    unservable,
    unservableUnits,
    hostnames,
    backendTls: listed ? { caCertificates: transfer?.certificates ?? [] } : null,
    writes,
    logs: (transfer?.warnings ?? []).map((message) => ({ level: "WARNING", message })),
  };
}

/** Whether one of our Services has a port that speaks HTTPS to its backend: every policy of
 * ours targets one, and the CA ConfigMap exists only while one does. */
export function servesHttpsBackend(service: KubeObject): boolean {
  const ports = (service.spec as { ports?: { appProtocol?: unknown }[] } | undefined)?.ports;
  return Array.isArray(ports) && ports.some((port) => port?.appProtocol === "https");
}

/** When the Services go (withdrawing, removing the application), the policies and the CA
 * ConfigMap go first — if the Services show any may exist; otherwise nothing more is listed. */
export function withdrawnBackendTls(
  owned: ReadonlyMap<string, readonly KubeObject[]>,
): DesiredSet[] {
  const listed = owned.has(KINDS.backendTlsPolicy.kind);
  if (!listed && !(owned.get(KINDS.service.kind) ?? []).some(servesHttpsBackend)) return [];
  return [
    { kind: KINDS.backendTlsPolicy, objects: [] },
    { kind: KINDS.configMap, objects: [] },
  ];
}
