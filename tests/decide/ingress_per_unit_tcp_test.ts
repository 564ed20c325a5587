/**
 * TCP ports for per-unit units, with plain values: where a unit's port comes from (its live
 * listener, its published URL, the lowest free one), what is never given out, and how a port two
 * endpoints ask for is refused by the L4 plan naming both.
 */
import { deepStrictEqual, strictEqual } from "node:assert/strict";
import {
  parsePortRange,
  perUnitTcpRequests,
  tcpUnitUrl,
} from "../../src/decide/ingress_per_unit_tcp.ts";
import { type L4Request, planL4 } from "../../src/gateway/l4.ts";
import { parsePerUnitDataOrError } from "../../src/interfaces/ingress_per_unit.ts";
import type { PerUnitRequirer } from "../../src/world.ts";
import { unitData } from "../ingress_per_unit_fixtures.ts";

function kafka(units: number[], published: Record<string, string> = {}): PerUnitRequirer {
  return {
    relation: { id: 1, endpoint: "ingress-per-unit" },
    app: "kafka",
    units: units.map((n) =>
      parsePerUnitDataOrError(`kafka/${n}`, unitData(`kafka/${n}`, { mode: "tcp", port: "9093" }))
    ),
    error: null,
    current: undefined,
    currentUrls: new Map(Object.entries(published)),
  };
}

const live = (unit: string, port: number) => ({
  name: `gw-${unit.replace("/", "-")}-tcp-${port}`,
  port,
  protocol: "TCP",
});
const ports = (requests: readonly L4Request[]) =>
  Object.fromEntries(requests.map((request) => [request.owner, request.listeners[0].port]));

Deno.test("port ranges: <first>-<last> or one port, within 1-65535", () => {
  deepStrictEqual(parsePortRange("20000-20999"), { first: 20000, last: 20999 });
  deepStrictEqual(parsePortRange(" 7000 "), { first: 7000, last: 7000 });
  for (const bad of ["", "0-10", "10-5", "1-65536", "a-b", "100000", "1-2-3"]) {
    strictEqual("error" in parsePortRange(bad), true, bad);
  }
});

Deno.test("new units get the lowest free ports of the range, in unit order", () => {
  const { requests, invalid } = perUnitTcpRequests(
    "gw",
    [kafka([0, 1, 2])],
    [],
    "20000-20999",
    new Set(),
  );
  deepStrictEqual(ports(requests), {
    "ingress-per-unit kafka/0": 20000,
    "ingress-per-unit kafka/1": 20001,
    "ingress-per-unit kafka/2": 20002,
  });
  deepStrictEqual(invalid, []);
  const route = requests[1].routes[0];
  deepStrictEqual([route.name, route.backends], ["gw-kafka-1-tcp", [{
    service: "gw-kafka-1-service",
    port: 9093,
  }]]);
});

Deno.test("a unit keeps its live listener's port, else its published one; others fill the gaps", () => {
  const { requests } = perUnitTcpRequests(
    "gw",
    [kafka([0, 1, 2, 3], { "kafka/2": "10.0.0.9:20007" })],
    [live("kafka/1", 20000), live("kafka/3", 20005), live("gone/0", 20001)],
    "20000-20999",
    new Set(),
  );
  deepStrictEqual(ports(requests), {
    "ingress-per-unit kafka/0": 20001,
    "ingress-per-unit kafka/1": 20000,
    "ingress-per-unit kafka/2": 20007,
    "ingress-per-unit kafka/3": 20005,
  });
});

Deno.test("80, 443 and ports other endpoints ask for are never given out; a full range is said", () => {
  const { requests, invalid } = perUnitTcpRequests(
    "gw",
    [kafka([0, 1, 2])],
    [],
    "442-444",
    new Set([442]),
  );
  deepStrictEqual(ports(requests), { "ingress-per-unit kafka/0": 444 });
  deepStrictEqual(invalid, [
    "unit kafka/1: no free port left in ingress-per-unit-tcp-ports 442-444",
    "unit kafka/2: no free port left in ingress-per-unit-tcp-ports 442-444",
  ]);
});

Deno.test("a port outside a changed range is given up for one inside it", () => {
  const { requests } = perUnitTcpRequests(
    "gw",
    [kafka([0], { "kafka/0": "10.0.0.9:20000" })],
    [live("kafka/0", 20000)],
    "30000-30009",
    new Set(),
  );
  deepStrictEqual(ports(requests), { "ingress-per-unit kafka/0": 30000 });
});

Deno.test("an invalid range refuses the TCP units alone, naming the option", () => {
  const { requests, invalid, problem } = perUnitTcpRequests(
    "gw",
    [kafka([0, 1])],
    [],
    "lots",
    new Set(),
  );
  deepStrictEqual(requests, []);
  deepStrictEqual(invalid, []);
  strictEqual(
    problem,
    'Invalid ingress-per-unit-tcp-ports "lots": not a port range (<first>-<last>, within ' +
      "1-65535): the TCP units of ingress-per-unit are not served (kafka/0, kafka/1)",
  );
});

Deno.test("a unit holding a port another endpoint now asks for keeps it; the other is refused", () => {
  const other: L4Request = {
    owner: "traefik-route hockeypuck",
    key: "hockeypuck",
    listeners: [{ protocol: "TCP", port: 20000 }],
    routes: [],
    services: [],
  };
  const gateway = {
    apiVersion: "gateway.networking.k8s.io/v1",
    kind: "Gateway",
    metadata: { name: "gw" },
    spec: { listeners: [{ name: "gw-kafka-0-tcp-20000", port: 20000, protocol: "TCP" }] },
  };
  const tcp = perUnitTcpRequests(
    "gw",
    [kafka([0])],
    [live("kafka/0", 20000)],
    "20000-20999",
    new Set([20000]),
  );
  const plan = planL4({
    gateway: "gw",
    namespace: "testing",
    live: gateway,
    httpListeners: 1,
    requests: [other, ...tcp.requests],
  });
  deepStrictEqual(plan.refused, [{
    owner: "traefik-route hockeypuck",
    message:
      "traefik-route hockeypuck: port 20000/TCP is already taken by ingress-per-unit kafka/0",
  }]);
  strictEqual(tcpUnitUrl(plan, "kafka/0", "10.0.0.9"), "10.0.0.9:20000");
  strictEqual(tcpUnitUrl(plan, "kafka/0", "fd00::1"), "[fd00::1]:20000");
  strictEqual(tcpUnitUrl(plan, "kafka/0", null), null);
});
