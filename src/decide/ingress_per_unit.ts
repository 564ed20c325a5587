/**
 * The ingress-per-unit part of the decision: per valid unit its Service and routes, the URL map
 * of each relation, and what the status says about the units that are skipped. A unit with
 * invalid or missing data, or whose objects the API refused, is skipped alone (the library's
 * behaviour); the others keep their routes and URLs. Pure.
 */
import { ingressUrl } from "../gateway/plan.ts";
import { routeName, serviceName } from "../gateway/names.ts";
import { renderForwardingRoute, type RouteOptions } from "../gateway/objects.ts";
import { renderUnitRedirectRoute, renderUnitService, unitBackend } from "../gateway/per_unit.ts";
import {
  type IngressRouting,
  requirerRedirectName,
  requirerRoutes,
  requirerUrl,
} from "../gateway/routing.ts";
import {
  renderPerUnitProvider,
  renderUnitUrls,
  unitDashed,
  type UnitRequest,
} from "../interfaces/ingress_per_unit.ts";
import type { DesiredSet } from "../k8s/reconcile.ts";
import { KINDS, type KubeObject } from "../k8s/types.ts";
import type { RelationWrite } from "../outcome.ts";
import type { PerUnitRequirer, Refusal } from "../world.ts";
import { sentences } from "./errors.ts";

/** How the Gateway serves HTTP in this hook, as the ingress part decided it. */
export interface PerUnitHttpContext {
  readonly route: RouteOptions;
  /** `<scheme>://<host>` of every URL, or null while none can be known. */
  readonly base: string | null;
  /** HTTPS is served on the host (enforced, or its certificate issued). */
  readonly https: boolean;
  readonly enforceHttps: boolean;
  readonly hstsMaxAge: number;
  /** A unit whose route the Gateway controller refuses gets no URL (its objects stay). */
  readonly withdrawn?: (unit: string) => boolean;
  /** When set, units are routed as ingress requirers are (`src/gateway/routing.ts`: every
   * hostname, subdomain mode, timeouts), and their URLs use the Gateway's `address`. */
  readonly routing?: IngressRouting;
  readonly address?: string | null;
  /** Units the Gateway cannot serve (their subdomain), with why. */
  readonly unservable?: ReadonlyMap<string, string>;
}

/** What the L4 plan did with the TCP units (`ingress_per_unit_tcp.ts`). */
export interface PerUnitTcpContext {
  /** A TCP unit's URL, or null when it has no listener (yet, or refused: said elsewhere). */
  readonly url: (unit: string) => string | null;
  /** TCP units no port could be given to: `unit <u>: <why>`. */
  readonly invalid: readonly string[];
}

export interface PerUnitDecision {
  readonly services: readonly KubeObject[];
  readonly routes: readonly KubeObject[];
  /** Units served over HTTP (the HTTP→HTTPS redirect route is wanted when enforced). */
  readonly httpUnits: number;
  readonly writes: readonly RelationWrite[];
  /** Skipped units and relations, `<who>: <why>`, for the Blocked status. */
  readonly invalid: readonly string[];
  /** Units that refused objects were skipped for: `<unit>: <detail>`. */
  readonly refused: readonly string[];
  /** Units that have not written their data yet. */
  readonly pending: readonly string[];
}

/** The objects (`Kind/name`) of one unit, whatever its mode. */
export function unitObjects(gateway: string, unit: string): string[] {
  const pod = unitDashed(unit);
  return [
    `${KINDS.service.kind}/${serviceName(gateway, pod)}`,
    `${KINDS.httpRoute.kind}/${routeName(gateway, pod, "http")}`,
    `${KINDS.httpRoute.kind}/${routeName(gateway, pod, "https")}`,
    `${KINDS.httpRoute.kind}/${requirerRedirectName(gateway, pod)}`,
  ];
}

/** Whether a refused object is one of a per-unit unit's (so only that unit is skipped). */
export function ownedByUnit(
  gateway: string,
  requirers: readonly PerUnitRequirer[],
  object: string,
): boolean {
  return requirers.some((requirer) =>
    requirer.units.some((entry) => unitObjects(gateway, entry.unit).includes(object))
  );
}

function httpObjects(gateway: string, http: PerUnitHttpContext, request: UnitRequest) {
  const backend = unitBackend(request);
  if (http.routing !== undefined) {
    return {
      service: renderUnitService(gateway, request),
      routes: requirerRoutes(http.routing, backend),
    };
  }
  const routes: KubeObject[] = [];
  if (!http.enforceHttps) {
    // The unit's own redirect needs HTTPS to go to; without it the path is served on HTTP.
    routes.push(
      request.redirectHttps && http.https
        ? renderUnitRedirectRoute(http.route, request)
        : renderForwardingRoute(http.route, backend, "http", null),
    );
  }
  if (http.https) {
    const hsts = http.enforceHttps ? http.hstsMaxAge : null;
    routes.push(renderForwardingRoute(http.route, backend, "https", hsts));
  }
  return { service: renderUnitService(gateway, request), routes };
}

/** Every relation's units turned into objects, URLs and status parts. */
export function decidePerUnit(
  gateway: string,
  requirers: readonly PerUnitRequirer[],
  http: PerUnitHttpContext,
  refusals: readonly Refusal[],
  tcp: PerUnitTcpContext,
): PerUnitDecision {
  const services: KubeObject[] = [];
  const routes: KubeObject[] = [];
  const writes: RelationWrite[] = [];
  const invalid: string[] = [];
  const refused: string[] = [];
  const pending: string[] = [];
  let httpUnits = 0;
  for (const requirer of requirers) {
    const urls = new Map<string, string>();
    if (requirer.error !== null) invalid.push(`${requirer.app}: ${requirer.error}`);
    for (const entry of requirer.error === null ? requirer.units : []) {
      const { request } = entry;
      if (request === null) {
        if (entry.error === null) pending.push(entry.unit);
        else invalid.push(entry.error);
        continue;
      }
      if (request.mode === "tcp") {
        // The L4 plan gave its listener, or said why not (and left it out if refused).
        const url = tcp.url(entry.unit);
        if (url !== null) urls.set(entry.unit, url);
        continue;
      }
      const objects = unitObjects(gateway, entry.unit);
      const refusal = refusals.find((r) => objects.includes(r.object));
      if (refusal !== undefined) {
        refused.push(`${entry.unit}: ${refusal.detail}`);
        continue;
      }
      const unservable = http.unservable?.get(entry.unit);
      if (unservable !== undefined) {
        invalid.push(`unit ${entry.unit} cannot be served: ${unservable}`);
        continue;
      }
      const built = httpObjects(gateway, http, request);
      services.push(built.service);
      routes.push(...built.routes);
      httpUnits++;
      const url = http.routing === undefined
        ? (http.base === null ? null : ingressUrl(http.base, unitBackend(request)))
        : requirerUrl(http.routing, unitBackend(request), http.address ?? null);
      if (url !== null && !http.withdrawn?.(entry.unit)) urls.set(entry.unit, url);
    }
    const wanted = urls.size === 0 ? undefined : renderUnitUrls(urls);
    if (wanted !== requirer.current) {
      writes.push({
        relation: requirer.relation,
        data: renderPerUnitProvider(urls),
        needsObjects: true,
      });
    }
  }
  invalid.push(...tcp.invalid);
  return { services, routes, httpUnits, writes, invalid, refused, pending };
}

/** Every relation's URLs wiped (the charm is withdrawing). */
export function withdrawPerUnit(requirers: readonly PerUnitRequirer[]): RelationWrite[] {
  return requirers.filter((requirer) => requirer.current !== undefined).map((requirer) => ({
    relation: requirer.relation,
    data: renderPerUnitProvider(new Map()),
    needsObjects: false,
  }));
}

/** The Blocked part about skipped units, or null. */
export function perUnitProblems(decision: PerUnitDecision): string | null {
  const parts: string[] = [];
  if (decision.invalid.length > 0) {
    parts.push(`Invalid ingress-per-unit data: ${decision.invalid.join("; ")}`);
  }
  if (decision.refused.length > 0) {
    parts.push(`Kubernetes rejected the objects of ${decision.refused.join("; ")}`);
  }
  return parts.length === 0 ? null : sentences(parts);
}

/** The desired sets with the units' Services and routes added to those of their kinds. */
export function withPerUnitObjects(
  sets: readonly DesiredSet[],
  decision: PerUnitDecision,
  extraRoutes: readonly KubeObject[],
): DesiredSet[] {
  return sets.map((set) => {
    if (set.kind.kind === KINDS.service.kind) {
      return { ...set, objects: [...set.objects, ...decision.services] };
    }
    if (set.kind.kind === KINDS.httpRoute.kind) {
      return { ...set, objects: [...set.objects, ...decision.routes, ...extraRoutes] };
    }
    return set;
  });
}
