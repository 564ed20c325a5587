/**
 * Layer-4 traffic on the one Gateway: TCP, UDP and TLS-passthrough listeners next to the HTTP and
 * HTTPS ones, and the TCPRoute, UDPRoute and TLSRoute objects (Gateway API v1, standard channel
 * since v1.5/v1.6) that attach to them. Pure.
 *
 * How an endpoint asks for L4 traffic: it builds one `L4Request` per requirer (or per unit) — the
 * ports it wants (`listeners`), the routes on them (`routes`, with their backends) and the
 * Services those backends are (`services`, e.g. from `renderBackendService`) — and the decision
 * passes every endpoint's requests to `planL4`, which:
 * - gives each port to one requester: one that holds a listener on the live Gateway keeps it,
 *   then the others in the order given; 80 and 443 (TCP) belong to the HTTP/HTTPS listeners;
 * - refuses a request whole (`refused`, with a message naming both requesters) when any of its
 *   ports is taken, or the Gateway has no listener left (64 at most), or its object names clash:
 *   nothing of a refused request is built, and the others are unaffected;
 * - returns the listeners for the Gateway, the routes and Services to apply, and `routeKinds`:
 *   the route kinds to converge in this hook. A kind is listed only when it is wanted or the live
 *   Gateway has a listener of its protocol (owned routes of it can exist only then), so a charm
 *   with no L4 traffic sends no extra request.
 * Listener names are `<gateway>-<key>-<protocol>-<port>` (`l4ListenerName`): stable while the
 * request keeps its key and port. `l4RequestObjects` names a request's objects (`Kind/name`), to
 * map an object the API refused back to its requester.
 */
import { KINDS, type KubeObject, type ResourceKind } from "../k8s/types.ts";
import { ipVersion } from "../net.ts";
import { gatewayHostnameProblem, MAX_SECTION_NAME } from "./limits.ts";

const GATEWAY_API = "gateway.networking.k8s.io/v1";
/** `spec.listeners`: at most 64. */
export const MAX_LISTENERS = 64;

export type L4Protocol = "TCP" | "UDP" | "TLS";

/** The route kind that attaches to a listener of each L4 protocol. */
export const L4_ROUTE_KINDS: Readonly<Record<L4Protocol, ResourceKind>> = {
  TCP: KINDS.tcpRoute,
  UDP: KINDS.udpRoute,
  TLS: KINDS.tlsRoute,
};

/** Every kind an L4 request can own objects of besides Services (for `remove`). */
export const L4_OWNED_KINDS: readonly ResourceKind[] = [
  KINDS.tcpRoute,
  KINDS.udpRoute,
  KINDS.tlsRoute,
];

/** TCP and TLS share the TCP port space; UDP has its own. */
const transport = (protocol: L4Protocol) => (protocol === "UDP" ? "UDP" : "TCP");

/** A port a request wants a listener on. */
export interface L4Port {
  readonly protocol: L4Protocol;
  readonly port: number;
}

export interface L4Backend {
  /** A Service in the Gateway's namespace. */
  readonly service: string;
  /** Its port (the Service port, not the target port). */
  readonly port: number;
  readonly weight?: number;
}

/** A route on one of the request's own listeners. */
export interface L4RouteSpec {
  /** The object's name (at most 63 characters), unique among all requests. */
  readonly name: string;
  /** Which of the request's listeners it attaches to. */
  readonly listener: L4Port;
  /** TLS only: the SNI names it matches (at least one, no IP; `*.` wildcard allowed). */
  readonly hostnames?: readonly string[];
  readonly backends: readonly L4Backend[];
}

export interface L4Request {
  /** Who asks, as messages name it (e.g. `traefik-route hockeypuck`). */
  readonly owner: string;
  /** Lower-case letters, digits and `-`: part of the listener names, unique among requests. */
  readonly key: string;
  readonly listeners: readonly L4Port[];
  readonly routes: readonly L4RouteSpec[];
  /** The Services its routes send to (built by the endpoint). */
  readonly services: readonly KubeObject[];
}

/** A listener as the Gateway gets it. */
export interface L4Listener extends L4Port {
  readonly name: string;
  readonly owner: string;
}

export interface L4Refusal {
  readonly owner: string;
  /** Starts with the owner's name; names the other party of a conflict. */
  readonly message: string;
}

export interface L4Plan {
  readonly listeners: readonly L4Listener[];
  readonly routes: readonly KubeObject[];
  readonly services: readonly KubeObject[];
  readonly refused: readonly L4Refusal[];
  /** The route kinds to converge this hook (wanted, or possibly live). */
  readonly routeKinds: readonly ResourceKind[];
}

export interface L4PlanInput {
  readonly gateway: string;
  readonly namespace: string;
  /** The Gateway as the hook found it (undefined when there is none yet). */
  readonly live: KubeObject | undefined;
  /** How many HTTP and HTTPS listeners the Gateway gets: the rest of the 64 are for L4. */
  readonly httpListeners: number;
  readonly requests: readonly L4Request[];
}

export function l4ListenerName(gateway: string, key: string, listener: L4Port): string {
  return `${gateway}-${key}-${listener.protocol.toLowerCase()}-${listener.port}`;
}

const SECTION_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const OBJECT_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** The L4 listeners of a live Gateway (every listener that is not HTTP or HTTPS). */
export function liveL4Listeners(live: KubeObject | undefined): L4Listener[] {
  const spec = live?.spec as { listeners?: unknown } | undefined;
  const listeners = Array.isArray(spec?.listeners) ? spec.listeners : [];
  return listeners.flatMap((entry): L4Listener[] => {
    const { name, port, protocol } = (entry ?? {}) as Record<string, unknown>;
    if (typeof name !== "string" || typeof port !== "number") return [];
    if (protocol !== "TCP" && protocol !== "UDP" && protocol !== "TLS") return [];
    return [{ name, port, protocol, owner: "" }];
  });
}

/** The objects (`Kind/name`) a request would own. */
export function l4RequestObjects(request: L4Request): string[] {
  return [
    ...request.routes.map((route) =>
      `${L4_ROUTE_KINDS[route.listener.protocol].kind}/${route.name}`
    ),
    ...request.services.map((service) => `${KINDS.service.kind}/${service.metadata.name}`),
  ];
}

const describePort = (port: L4Port) => `${port.port}/${transport(port.protocol)}`;

/** Why a request cannot be built at all (bad ports, names, hostnames), or null. */
function requestProblem(gateway: string, request: L4Request): string | null {
  const ports = new Set<string>();
  for (const listener of request.listeners) {
    if (!Number.isInteger(listener.port) || listener.port < 1 || listener.port > 65535) {
      return `port ${listener.port} is not a port number (1-65535)`;
    }
    const key = describePort(listener);
    if (ports.has(key)) return `asks for port ${key} twice`;
    ports.add(key);
    const name = l4ListenerName(gateway, request.key, listener);
    if (name.length > MAX_SECTION_NAME || !SECTION_NAME.test(name)) {
      return `cannot name a listener ${JSON.stringify(name.slice(0, 100))}`;
    }
  }
  for (const route of request.routes) {
    if (route.name.length > 63 || !OBJECT_NAME.test(route.name)) {
      return `cannot name a route ${JSON.stringify(route.name.slice(0, 100))}`;
    }
    const own = request.listeners.some((listener) =>
      listener.protocol === route.listener.protocol && listener.port === route.listener.port
    );
    if (!own) {
      return `route ${route.name} is on port ${
        describePort(route.listener)
      }, not one of its listeners`;
    }
    if (route.backends.length < 1 || route.backends.length > 16) {
      return `route ${route.name} has ${route.backends.length} backends (1-16)`;
    }
    if (route.listener.protocol === "TLS") {
      const hostnames = route.hostnames ?? [];
      if (hostnames.length < 1 || hostnames.length > 1024) {
        return `route ${route.name} has ${hostnames.length} SNI hostnames (1-1024)`;
      }
      for (const host of hostnames) {
        const problem = sniHostnameProblem(host);
        if (problem !== null) {
          return `SNI hostname ${JSON.stringify(host.slice(0, 100))} ${problem}`;
        }
      }
    } else if (route.hostnames !== undefined && route.hostnames.length > 0) {
      return `route ${route.name}: only TLS routes match hostnames`;
    }
  }
  return null;
}

/** Why a name cannot be a TLSRoute hostname (an IP, or not a Gateway API hostname), or null. */
export function sniHostnameProblem(host: string): string | null {
  if (ipVersion(host) !== 0) return "is an IP address, not a hostname";
  return gatewayHostnameProblem(host.startsWith("*.") ? host.slice(2) : host);
}

/** Gives out the ports and builds what the accepted requests want (see the module comment). */
export function planL4(input: L4PlanInput): L4Plan {
  const live = liveL4Listeners(input.live);
  const liveNames = new Set(live.map((listener) => listener.name));
  const holdsLive = (request: L4Request) =>
    request.listeners.some((listener) =>
      liveNames.has(l4ListenerName(input.gateway, request.key, listener))
    );
  // Holders of a live listener first (stable), then the rest, each group in the order given.
  const ordered = [
    ...input.requests.filter(holdsLive),
    ...input.requests.filter((request) => !holdsLive(request)),
  ];
  const taken = new Map<string, string>([
    ["80/TCP", "the Gateway's HTTP listeners"],
    ["443/TCP", "the Gateway's HTTPS listeners"],
  ]);
  const names = new Map<string, string>();
  const keys = new Map<string, string>();
  let budget = MAX_LISTENERS - input.httpListeners;
  const accepted: L4Request[] = [];
  const refused: L4Refusal[] = [];
  const refuse = (request: L4Request, why: string) =>
    refused.push({ owner: request.owner, message: `${request.owner}: ${why}` });
  for (const request of ordered) {
    const problem = requestProblem(input.gateway, request);
    if (problem !== null) {
      refuse(request, problem);
      continue;
    }
    const keyHolder = keys.get(request.key);
    if (keyHolder !== undefined) {
      refuse(request, `its listener names would be those of ${keyHolder}`);
      continue;
    }
    const conflict = request.listeners.find((listener) => taken.has(describePort(listener)));
    if (conflict !== undefined) {
      refuse(
        request,
        `port ${describePort(conflict)} is already taken by ${taken.get(describePort(conflict))}`,
      );
      continue;
    }
    const clash = l4RequestObjects(request).find((object) => names.has(object));
    if (clash !== undefined) {
      refuse(request, `its object ${clash} would be that of ${names.get(clash)}`);
      continue;
    }
    if (request.listeners.length > budget) {
      refuse(
        request,
        `needs ${request.listeners.length} listener(s) and the Gateway has ${budget} left ` +
          `(${MAX_LISTENERS} at most)`,
      );
      continue;
    }
    budget -= request.listeners.length;
    keys.set(request.key, request.owner);
    for (const listener of request.listeners) taken.set(describePort(listener), request.owner);
    for (const object of l4RequestObjects(request)) names.set(object, request.owner);
    accepted.push(request);
  }
  // Listed and built in the order given, not the order of stability.
  const built = input.requests.filter((request) => accepted.includes(request));
  const listeners = built.flatMap((request) =>
    request.listeners.map((listener) => ({
      ...listener,
      name: l4ListenerName(input.gateway, request.key, listener),
      owner: request.owner,
    }))
  );
  const routes = built.flatMap((request) =>
    request.routes.map((route) =>
      renderL4Route({
        gateway: input.gateway,
        namespace: input.namespace,
        listener: l4ListenerName(input.gateway, request.key, route.listener),
        route,
      })
    )
  );
  const protocols = new Set<L4Protocol>([...listeners, ...live].map((l) => l.protocol));
  const routeKinds = (["TCP", "UDP", "TLS"] as const).filter((p) => protocols.has(p))
    .map((p) => L4_ROUTE_KINDS[p]);
  return {
    listeners,
    routes,
    services: built.flatMap((request) => request.services),
    refused,
    routeKinds,
  };
}

/** A listener entry of the Gateway. Routes attach from the Gateway's namespace only: every L4
 * route is ours, and a route of another namespace must not take a requirer's port. */
export function renderL4Listener(listener: L4Listener): Record<string, unknown> {
  return {
    name: listener.name,
    port: listener.port,
    protocol: listener.protocol,
    allowedRoutes: { namespaces: { from: "Same" } },
    ...(listener.protocol === "TLS" ? { tls: { mode: "Passthrough" } } : {}),
  };
}

export interface L4RouteInput {
  readonly gateway: string;
  readonly namespace: string;
  /** The listener (section) name. */
  readonly listener: string;
  readonly route: L4RouteSpec;
}

/** A TCPRoute, UDPRoute or TLSRoute (by the listener's protocol): one rule to its backends. */
export function renderL4Route(input: L4RouteInput): KubeObject {
  const { route } = input;
  const kind = L4_ROUTE_KINDS[route.listener.protocol];
  const backendRefs = route.backends.map((backend) => ({
    name: backend.service,
    port: backend.port,
    ...(backend.weight === undefined ? {} : { weight: backend.weight }),
  }));
  return {
    apiVersion: GATEWAY_API,
    kind: kind.kind,
    metadata: { name: route.name },
    spec: {
      parentRefs: [{
        name: input.gateway,
        namespace: input.namespace,
        sectionName: input.listener,
      }],
      ...(route.listener.protocol === "TLS" ? { hostnames: [...(route.hostnames ?? [])] } : {}),
      rules: [{ backendRefs }],
    },
  };
}

export interface BackendServicePort {
  readonly port: number;
  readonly targetPort: number;
  readonly protocol: "TCP" | "UDP";
}

/** A Service for L4 backends: the pods its selector names, on the given ports. */
export function renderBackendService(
  name: string,
  selector: Readonly<Record<string, string>>,
  ports: readonly BackendServicePort[],
): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name },
    spec: {
      ports: ports.map((port) => ({
        name: `${port.protocol.toLowerCase()}-${port.port}`,
        port: port.port,
        targetPort: port.targetPort,
        protocol: port.protocol,
      })),
      selector: { ...selector },
    },
  };
}
