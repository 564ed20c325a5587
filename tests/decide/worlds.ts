/**
 * Reconcile worlds with the gather step's shape for the decision's tests: what a test varies is
 * given, the rest is fixed (application `gw` in model `testing`, a config-changed hook).
 */
import type { CharmConfig, ConfigError } from "../../src/config.ts";
import type { PeersWorld } from "../../src/decide/units.ts";
import type { RelationRef } from "../../src/juju/tools.ts";
import { KINDS, type KubeError } from "../../src/k8s/types.ts";
import type {
  CertificatesWorld,
  IngressRequirer,
  PerUnitRequirer,
  ReconcileWorld,
  RouteRequirer,
  TraefikRouteRequirer,
} from "../../src/world.ts";

export const NOW = new Date("2026-06-01T00:00:00Z");

export const rel = (id: number, endpoint = "gateway"): RelationRef => ({ id, endpoint });

export interface WorldSpec {
  readonly config: CharmConfig | ConfigError;
  readonly ingress?: readonly IngressRequirer[];
  readonly routes?: readonly RouteRequirer[];
  readonly traefikRoutes?: readonly TraefikRouteRequirer[];
  readonly ingressPerUnit?: readonly PerUnitRequirer[];
  readonly certificates?: CertificatesWorld | null;
  readonly dns?: boolean;
  /** The Gateway's status addresses; without them there is no Gateway yet. */
  readonly addresses?: readonly string[];
  readonly classes?: readonly string[];
  /** A failure of the gather step's cluster reads. */
  readonly error?: KubeError | null;
  /** The peer relation, as the leader read it. */
  readonly peers?: PeersWorld | null;
}

export function reconcileWorld(spec: WorldSpec): ReconcileWorld {
  const ingress = spec.ingress ?? [];
  const routes = spec.routes ?? [];
  const ingressPerUnit = spec.ingressPerUnit ?? [];
  const certificates = spec.certificates ?? null;
  const gateways = spec.addresses === undefined ? [] : [{
    apiVersion: "gateway.networking.k8s.io/v1",
    kind: "Gateway",
    metadata: { name: "gw" },
    status: { addresses: spec.addresses.map((value) => ({ value })) },
  }];
  return {
    kind: "reconcile",
    app: "gw",
    unit: "gw/0",
    model: "testing",
    event: { kind: "lifecycle", hook: "config-changed" },
    now: NOW,
    leader: true,
    config: spec.config,
    scope: "full",
    integrations: {
      ingress: ingress.length > 0,
      ingressPerUnit: ingressPerUnit.length > 0,
      gatewayRoute: routes.length > 0,
      certificates: certificates !== null,
    },
    ingress,
    ingressPerUnit,
    routes,
    traefikRoutes: spec.traefikRoutes ?? [],
    dnsRecords: spec.dns ? [{ relation: rel(60, "dns-record"), current: {} }] : [],
    certificates,
    expiring: null,
    tlsSecrets: [],
    refused: [],
    peers: spec.peers ?? null,
    cluster: spec.error ? { error: spec.error } : {
      namespace: "testing",
      gatewayClasses: spec.classes ?? ["cilium"],
      owned: new Map([[KINDS.gateway.kind, gateways]]),
    },
  };
}
