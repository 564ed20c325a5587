/**
 * Ingress-per-unit in TCP mode: each unit gets a TCP listener of its own on the Gateway, on a port
 * from `ingress-per-unit-tcp-ports`, and a TCPRoute to a Service selecting its pod. The ports are
 * not stored anywhere of ours: a unit keeps the port of its live listener (the Gateway is the
 * record), else the one its published URL names, else the lowest free port of the range. The
 * requests go to the L4 plan (`src/gateway/l4.ts`), which refuses a port another endpoint holds,
 * naming both. Pure.
 */
import { urlHost } from "../gateway/address.ts";
import {
  l4ListenerName,
  type L4Plan,
  type L4Request,
  renderBackendService,
} from "../gateway/l4.ts";
import { serviceName, truncate63 } from "../gateway/names.ts";
import { POD_NAME_LABEL } from "../gateway/per_unit.ts";
import { unitDashed, type UnitRequest } from "../interfaces/ingress_per_unit.ts";
import type { PerUnitRequirer } from "../world.ts";

export const DEFAULT_TCP_PORTS = "20000-20999";

export interface PortRange {
  readonly first: number;
  readonly last: number;
}

/** `<first>-<last>` (or one port), within 1-65535; or why not. */
export function parsePortRange(raw: string): PortRange | { readonly error: string } {
  const match = /^\s*(\d{1,5})\s*(?:-\s*(\d{1,5})\s*)?$/.exec(raw);
  const first = match ? Number(match[1]) : NaN;
  const last = match ? Number(match[2] ?? match[1]) : NaN;
  if (!(first >= 1 && last <= 65535 && first <= last)) {
    return {
      error: `ingress-per-unit-tcp-ports ${
        JSON.stringify(raw.slice(0, 40))
      }: not a port range (<first>-<last>, within 1-65535)`,
    };
  }
  return { first, last };
}

/** Who a unit's L4 request is, as messages name it. */
export const tcpOwner = (unit: string) => `ingress-per-unit ${unit}`;

/** The TCPRoute of a unit. */
export const tcpRouteName = (gateway: string, unit: string) =>
  truncate63(`${gateway}-${unitDashed(unit)}-tcp`);

function tcpRequest(gateway: string, request: UnitRequest, port: number): L4Request {
  const pod = unitDashed(request.unit);
  const listener = { protocol: "TCP" as const, port };
  const service = serviceName(gateway, pod);
  return {
    owner: tcpOwner(request.unit),
    key: pod,
    listeners: [listener],
    routes: [{
      name: tcpRouteName(gateway, request.unit),
      listener,
      backends: [{ service, port: request.port }],
    }],
    services: [
      renderBackendService(service, { [POD_NAME_LABEL]: pod }, [{
        port: request.port,
        targetPort: request.port,
        protocol: "TCP",
      }]),
    ],
  };
}

export interface PerUnitTcp {
  /** The units' requests, for the L4 plan. */
  readonly requests: readonly L4Request[];
  /** Units no port could be given to: `unit <u>: <why>`. */
  readonly invalid: readonly string[];
  /** The option's value is not a range: a config problem, not the units' (their names said). */
  readonly problem: string | null;
}

/** The port a published `<host>:<port>` URL names. */
function publishedPort(url: string | undefined): number | null {
  const match = url === undefined ? null : /:(\d{1,5})$/.exec(url);
  return match ? Number(match[1]) : null;
}

/**
 * The TCP units' requests, each with its port. `taken` are the TCP ports other endpoints ask for
 * in this hook: a new port is never one of them (a unit that holds its port keeps it, and the L4
 * plan refuses whichever asks second).
 */
export function perUnitTcpRequests(
  gateway: string,
  requirers: readonly PerUnitRequirer[],
  /** The live Gateway's L4 listeners' names and ports. */
  live: readonly { readonly name: string; readonly port: number; readonly protocol: string }[],
  rawRange: string,
  taken: ReadonlySet<number>,
): PerUnitTcp {
  const units = requirers.flatMap((requirer) =>
    requirer.error !== null
      ? []
      : requirer.units.flatMap((entry) =>
        entry.request?.mode === "tcp"
          ? [{ request: entry.request, published: requirer.currentUrls?.get(entry.unit) }]
          : []
      )
  );
  if (units.length === 0) return { requests: [], invalid: [], problem: null };
  const range = parsePortRange(rawRange);
  if ("error" in range) {
    const names = units.map(({ request }) => request.unit).join(", ");
    return {
      requests: [],
      invalid: [],
      problem:
        `Invalid ${range.error}: the TCP units of ingress-per-unit are not served (${names})`,
    };
  }
  const inRange = (port: number | null): port is number =>
    port !== null && port >= range.first && port <= range.last;
  // Ports of other units, and 80/443 (the HTTP and HTTPS listeners'), are never shared.
  const used = new Set<number>([80, 443]);
  const ports = new Map<string, number>();
  const keep = (unit: string, port: number | null, live: boolean) => {
    if (ports.has(unit) || !inRange(port) || used.has(port)) return;
    // A port another endpoint asks for is kept only by a unit that holds it: the L4 plan then
    // refuses the other endpoint, naming both.
    if (!live && taken.has(port)) return;
    ports.set(unit, port);
    used.add(port);
  };
  // A live listener first (it is what serves the unit), then the published URL.
  for (const { request } of units) {
    const pod = unitDashed(request.unit);
    const listener = live.find((l) =>
      l.protocol === "TCP" &&
      l.name === l4ListenerName(gateway, pod, { protocol: "TCP", port: l.port })
    );
    keep(request.unit, listener?.port ?? null, true);
  }
  for (const { request, published } of units) keep(request.unit, publishedPort(published), false);
  for (const port of taken) used.add(port);
  const requests: L4Request[] = [];
  const invalid: string[] = [];
  let next = range.first;
  for (const { request } of units) {
    let port = ports.get(request.unit);
    if (port === undefined) {
      while (next <= range.last && used.has(next)) next++;
      if (next > range.last) {
        invalid.push(
          `unit ${request.unit}: no free port left in ingress-per-unit-tcp-ports ` +
            `${range.first}-${range.last}`,
        );
        continue;
      }
      port = next;
      used.add(port);
    }
    requests.push(tcpRequest(gateway, request, port));
  }
  return { requests, invalid, problem: null };
}

/** The TCP ports (TCP and TLS listeners) of L4 requests. */
export function tcpPortsOf(requests: readonly L4Request[]): Set<number> {
  return new Set(
    requests.flatMap((request) =>
      request.listeners.filter((listener) => listener.protocol !== "UDP").map((l) => l.port)
    ),
  );
}

/** A TCP unit's URL once the L4 plan gave it its listener: `<gateway address>:<port>`. */
export function tcpUnitUrl(plan: L4Plan, unit: string, address: string | null): string | null {
  const listener = plan.listeners.find((l) => l.owner === tcpOwner(unit));
  return listener === undefined || address === null ? null : `${urlHost(address)}:${listener.port}`;
}
