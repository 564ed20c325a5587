/**
 * The traefik-route section of the decision: each requirer's Traefik configuration translated
 * (`src/gateway/traefik.ts`) into an L4 request (its listeners, L4 routes and every Service it
 * needs, planned with the other endpoints' by `planL4`) and its HTTPRoutes; the provider data
 * (`external_host`, `scheme`) for every requirer; and the Blocked message naming each refused
 * one. A requirer is served whole or not at all: one whose configuration cannot be expressed,
 * whose ports are taken, whose object names clash or whose objects the API refused gets nothing
 * built, and the others are unaffected.
 */
import { type L4Request, l4RequestObjects } from "../gateway/l4.ts";
import {
  type HttpListeners,
  type HttpRouterPlan,
  renderTraefikHttpRoutes,
  TraefikConfigError,
  translateTraefik,
} from "../gateway/traefik.ts";
import { renderTraefikRouteProvider } from "../interfaces/traefik_route.ts";
import type { Databag } from "../juju/tools.ts";
import type { KubeObject } from "../k8s/types.ts";
import type { RelationWrite } from "../outcome.ts";
import type { ReconcileWorld, TraefikRouteRequirer } from "../world.ts";

export interface TranslatedRequirer {
  readonly requirer: TraefikRouteRequirer;
  /** How messages and the L4 plan name it: `traefik-route <app>`. */
  readonly owner: string;
  /** Null when it is refused (`error`) or has sent nothing yet. */
  readonly l4: L4Request | null;
  readonly http: readonly HttpRouterPlan[];
  readonly error: string | null;
}

export const traefikOwner = (app: string) => `traefik-route ${app}`;

/** Both HTTPRoutes a router may have, whatever the listeners (`Kind/name`). */
const httpObjects = (plans: readonly HttpRouterPlan[]) =>
  plans.flatMap((plan) => [`HTTPRoute/${plan.name}-http`, `HTTPRoute/${plan.name}-https`]);

/** Translates every requirer; `taken` tells whose another endpoint's object (`Kind/name`) is
 * (undefined: nobody's), which a requirer's may not replace. */
export function translateTraefikRoutes(
  world: ReconcileWorld,
  taken: (object: string) => string | undefined,
): TranslatedRequirer[] {
  const httpNames = new Map<string, string>();
  return world.traefikRoutes.map((requirer): TranslatedRequirer => {
    const owner = traefikOwner(requirer.app);
    const refused = (error: string) => ({ requirer, owner, l4: null, http: [], error });
    if (requirer.request === null) {
      return { requirer, owner, l4: null, http: [], error: requirer.error };
    }
    let plan;
    try {
      plan = translateTraefik({
        gateway: world.app,
        model: world.model,
        app: requirer.app,
        units: requirer.units,
        config: requirer.request.config,
        static: requirer.request.static,
        raw: requirer.request.raw,
      });
    } catch (error) {
      if (!(error instanceof TraefikConfigError)) throw error;
      return refused(error.message);
    }
    const l4: L4Request = {
      owner,
      key: requirer.app,
      listeners: plan.listeners,
      routes: plan.routes,
      services: plan.services,
    };
    const objects = [...l4RequestObjects(l4), ...httpObjects(plan.http)];
    const clash = objects.find((object) => taken(object) !== undefined);
    if (clash !== undefined) return refused(`its object ${clash} is already ${taken(clash)}'s`);
    const shared = httpObjects(plan.http).find((object) => httpNames.has(object));
    if (shared !== undefined) {
      return refused(`its object ${shared} would be that of ${httpNames.get(shared)}`);
    }
    for (const object of httpObjects(plan.http)) httpNames.set(object, owner);
    return { requirer, owner, l4, http: plan.http, error: null };
  });
}

/** What an ingress requirer or unit is served on: its host (null: any) and its path prefix. */
export interface PathClaim {
  readonly host: string | null;
  readonly path: string;
  /** Who it is served for, as messages name it. */
  readonly owner: string;
}

const trimmed = (path: string) => (path.length > 1 ? path.replace(/\/+$/, "") : path);

/** Whether a path is `prefix` or below it (path elements, as Gateway API matches prefixes). */
const under = (path: string, prefix: string) =>
  prefix === "/" || path === prefix || path.startsWith(`${prefix}/`);

/**
 * Requirers with a router that would take requests an ingress requirer or unit is served: on its
 * host (or any host), a path at or below its prefix. Gateway API gives such a request to the
 * longer or exact match, so the router would take the requirer's traffic; it is refused whole, as
 * any other problem of its configuration. A router on a shorter prefix (`/`) takes only what no
 * requirer is served.
 */
export function withoutClaimedPaths(
  translated: readonly TranslatedRequirer[],
  claims: readonly PathClaim[],
): TranslatedRequirer[] {
  // A wildcard host (`*.example.com`) covers every host below it.
  const covers = (host: string, claimed: string) =>
    host === claimed || (host.startsWith("*.") && claimed.endsWith(host.slice(1)));
  return translated.map((entry) => {
    for (const plan of entry.l4 === null ? [] : entry.http) {
      const hosts = plan.hostnames.map((host) => host.toLowerCase());
      const paths = plan.paths.length === 0 ? [{ type: "PathPrefix", value: "/" }] : plan.paths;
      for (const claim of claims) {
        if (claim.host !== null && hosts.length > 0 && !hosts.some((h) => covers(h, claim.host!))) {
          continue;
        }
        const hit = paths.find((path) => under(trimmed(path.value), trimmed(claim.path)));
        if (hit === undefined) continue;
        const where = claim.host === null ? "" : ` on ${claim.host}`;
        return {
          ...entry,
          l4: null,
          http: [],
          error: `router ${plan.router} (${hit.type} ${hit.value}) would take requests${where} ` +
            `under ${claim.path}, where ${claim.owner} is served`,
        };
      }
    }
    return entry;
  });
}

export function traefikL4Requests(translated: readonly TranslatedRequirer[]): L4Request[] {
  return translated.flatMap((entry) => (entry.l4 === null ? [] : [entry.l4]));
}

/** The requirer an HTTPRoute (`Kind/name`) belongs to (its L4 objects are `l4OwnerOf`'s). */
export function traefikHttpOwnerOf(
  translated: readonly TranslatedRequirer[],
  object: string,
): string | undefined {
  return translated.find((entry) => httpObjects(entry.http).includes(object))?.owner;
}

/** The HTTPRoutes of every requirer served (not `leftOut`). */
export function traefikHttpRoutes(
  translated: readonly TranslatedRequirer[],
  listeners: HttpListeners,
  leftOut: ReadonlySet<string>,
): KubeObject[] {
  return translated.filter((entry) => entry.l4 !== null && !leftOut.has(entry.owner))
    .flatMap((entry) => entry.http.flatMap((plan) => renderTraefikHttpRoutes(plan, listeners)));
}

/**
 * `traefik-route routers no listener carries (<why>): <app>: router <r> …` for each router of a
 * served requirer that no listener carries: `websecure` only on a Gateway that can have no HTTPS
 * listener (no certificates relation), or `web` only while HTTPS is enforced (HTTP only
 * redirects); or null. While a certificate is awaited, the TLS status says so instead.
 */
export function traefikUnlistened(
  translated: readonly TranslatedRequirer[],
  leftOut: ReadonlySet<string>,
  can: { readonly http: boolean; readonly https: boolean },
): string | null {
  const each = translated.filter((entry) => entry.l4 !== null && !leftOut.has(entry.owner))
    .flatMap((entry) =>
      entry.http.filter((plan) => !(plan.http && can.http) && !(plan.https && can.https))
        .map((plan) =>
          `${entry.requirer.app}: router ${plan.router} is on ${
            plan.https ? "websecure" : "web"
          } only`
        )
    );
  if (each.length === 0) return null;
  const why = can.https
    ? "HTTP only redirects to HTTPS while enforce-https is set"
    : "the Gateway has no HTTPS listener without a certificates relation";
  return `traefik-route routers no listener carries (${why}): ${each.join("; ")}`;
}

/** Whether a served requirer has HTTP routers (while HTTPS is enforced, HTTP then redirects). */
export function traefikServesHttp(
  translated: readonly TranslatedRequirer[],
  leftOut: ReadonlySet<string>,
): boolean {
  return translated.some((entry) =>
    entry.l4 !== null && !leftOut.has(entry.owner) && entry.http.length > 0
  );
}

/** `Invalid traefik-route relation data: <app>: <why>; …`, or null. */
export function traefikErrors(translated: readonly TranslatedRequirer[]): string | null {
  const errors = translated.filter((entry) => entry.error !== null)
    .map((entry) => `${entry.requirer.app}: ${entry.error}`);
  return errors.length ? `Invalid traefik-route relation data: ${errors.join("; ")}` : null;
}

/** `external_host` and `scheme` for every requirer (the configured ones and those still to send
 * theirs, which may wait for them), written where they change. `base` is the URL base
 * (`<scheme>://<host>`), null while unknown; `hostname` the configured one, which Traefik
 * publishes whatever serves it. */
export function traefikWrites(
  world: ReconcileWorld,
  base: string | null,
  hostname: string | null,
): RelationWrite[] {
  if (base === null) return [];
  const [scheme, host] = base.split("://");
  const wanted = renderTraefikRouteProvider({
    externalHost: hostname ?? host.replace(/^\[(.*)\]$/, "$1"),
    scheme: scheme === "https" ? "https" : "http",
  });
  return world.traefikRoutes.flatMap((requirer) => {
    const data = changed(requirer.current, wanted);
    return Object.keys(data).length
      ? [{ relation: requirer.relation, data, needsObjects: true }]
      : [];
  });
}

function changed(current: Databag, wanted: Databag): Record<string, string> {
  return Object.fromEntries(
    Object.entries(wanted).filter(([key, value]) => (current[key] ?? "") !== value),
  );
}
