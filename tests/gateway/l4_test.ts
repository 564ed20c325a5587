/**
 * L4 listeners and routes (`src/gateway/l4.ts`): who gets a port, what a refusal says, which
 * route kinds a hook converges, and every object accepted by the real CRD schemas and CEL rules
 * (offline, through the fake API server's validator). Property tests: ports are never shared,
 * a request is built whole or not at all, and a plan applied and planned again keeps every
 * listener whatever the order of the requests.
 */
import assert from "node:assert/strict";
import {
  type L4Plan,
  type L4PlanInput,
  type L4Protocol,
  type L4Request,
  l4RequestObjects,
  planL4,
  renderBackendService,
  renderL4Route,
  sniHostnameProblem,
} from "../../src/gateway/l4.ts";
import { renderGateway } from "../../src/gateway/objects.ts";
import type { KubeObject } from "../../src/k8s/types.ts";
import { loadRegistry } from "../harness/k8s/mod.ts";
import { check, fc } from "../properties.ts";

const registry = await loadRegistry();

function assertAdmitted(object: KubeObject): void {
  const { errors, unknownFields } = registry.validate(object);
  assert.deepEqual(errors, [], `${object.kind}/${object.metadata.name}`);
  assert.deepEqual(unknownFields, [], `${object.kind}/${object.metadata.name}`);
}

/** A request for one port with one route to one Service of the same port. */
function request(
  key: string,
  port: number,
  protocol: L4Protocol = "TCP",
  hostnames?: string[],
): L4Request {
  const name = `gw-${key}-${protocol.toLowerCase()}-${port}`;
  return {
    owner: `test ${key}`,
    key,
    listeners: [{ protocol, port }],
    routes: [{
      name,
      listener: { protocol, port },
      hostnames,
      backends: [{ service: `${name}-svc`, port }],
    }],
    services: [
      renderBackendService(`${name}-svc`, { "app.kubernetes.io/name": key }, [{
        port,
        targetPort: port,
        protocol: protocol === "UDP" ? "UDP" : "TCP",
      }]),
    ],
  };
}

const plan = (requests: L4Request[], more: Partial<L4PlanInput> = {}): L4Plan =>
  planL4({
    gateway: "gw",
    namespace: "testing",
    live: undefined,
    httpListeners: 1,
    requests,
    ...more,
  });

/** The Gateway a plan gives (as the cluster would hold it after the hook). */
const gatewayOf = (result: L4Plan): KubeObject =>
  renderGateway({
    name: "gw",
    gatewayClass: "cilium",
    hostnames: [],
    tls: [],
    l4: result.listeners,
  });

Deno.test("a TCP request gets a listener named <gateway>-<key>-tcp-<port>, its route and Service", () => {
  const result = plan([request("hockeypuck", 11370)]);
  assert.deepEqual(result.refused, []);
  assert.deepEqual(result.listeners, [{
    name: "gw-hockeypuck-tcp-11370",
    port: 11370,
    protocol: "TCP",
    owner: "test hockeypuck",
  }]);
  assert.deepEqual(result.routes, [{
    apiVersion: "gateway.networking.k8s.io/v1",
    kind: "TCPRoute",
    metadata: { name: "gw-hockeypuck-tcp-11370" },
    spec: {
      parentRefs: [{ name: "gw", namespace: "testing", sectionName: "gw-hockeypuck-tcp-11370" }],
      rules: [{ backendRefs: [{ name: "gw-hockeypuck-tcp-11370-svc", port: 11370 }] }],
    },
  }]);
  assert.deepEqual(result.services.map((s) => s.metadata.name), ["gw-hockeypuck-tcp-11370-svc"]);
  assert.deepEqual(result.routeKinds.map((kind) => kind.kind), ["TCPRoute"]);
});

Deno.test("the Gateway keeps its HTTP listener first and gains the L4 ones after it", () => {
  const result = plan([
    request("a", 5000),
    request("b", 5000, "UDP"),
    request("c", 8443, "TLS", ["c.example.com"]),
  ]);
  const listeners = (gatewayOf(result).spec as { listeners: Record<string, unknown>[] }).listeners;
  assert.deepEqual(listeners, [
    { name: "gw-http", port: 80, protocol: "HTTP", allowedRoutes: { namespaces: { from: "All" } } },
    {
      name: "gw-a-tcp-5000",
      port: 5000,
      protocol: "TCP",
      allowedRoutes: { namespaces: { from: "Same" } },
    },
    {
      name: "gw-b-udp-5000",
      port: 5000,
      protocol: "UDP",
      allowedRoutes: { namespaces: { from: "Same" } },
    },
    {
      name: "gw-c-tls-8443",
      port: 8443,
      protocol: "TLS",
      allowedRoutes: { namespaces: { from: "Same" } },
      tls: { mode: "Passthrough" },
    },
  ]);
  assertAdmitted(gatewayOf(result));
  assert.deepEqual(result.routeKinds.map((kind) => kind.kind), [
    "TCPRoute",
    "UDPRoute",
    "TLSRoute",
  ]);
});

Deno.test("TCPRoute, UDPRoute, TLSRoute and backend Services are accepted by the CRDs", () => {
  const result = plan([
    request("a", 5000),
    request("b", 5353, "UDP"),
    request("c", 8443, "TLS", ["c.example.com", "*.c.example.com"]),
  ]);
  assert.deepEqual(result.routes.map((route) => route.kind), ["TCPRoute", "UDPRoute", "TLSRoute"]);
  for (const object of [...result.routes, ...result.services]) assertAdmitted(object);
  assert.deepEqual((result.routes[2].spec as { hostnames: string[] }).hostnames, [
    "c.example.com",
    "*.c.example.com",
  ]);
  assert.deepEqual((result.services[1].spec as { ports: unknown[] }).ports, [
    { name: "udp-5353", port: 5353, targetPort: 5353, protocol: "UDP" },
  ]);
});

Deno.test("a weighted backend keeps its weight; several backends share one rule", () => {
  const route = renderL4Route({
    gateway: "gw",
    namespace: "testing",
    listener: "gw-a-tcp-5000",
    route: {
      name: "gw-a",
      listener: { protocol: "TCP", port: 5000 },
      backends: [{ service: "one", port: 5000, weight: 3 }, { service: "two", port: 5001 }],
    },
  });
  assertAdmitted(route);
  assert.deepEqual((route.spec as { rules: unknown[] }).rules, [{
    backendRefs: [{ name: "one", port: 5000, weight: 3 }, { name: "two", port: 5001 }],
  }]);
});

Deno.test("the second requester of a port is refused with a message naming both", () => {
  const result = plan([request("first", 5000), request("second", 5000)]);
  assert.deepEqual(result.listeners.map((l) => l.name), ["gw-first-tcp-5000"]);
  assert.deepEqual(result.refused, [{
    owner: "test second",
    message: "test second: port 5000/TCP is already taken by test first",
  }]);
  assert.deepEqual(result.routes.map((r) => r.metadata.name), ["gw-first-tcp-5000"]);
  assert.deepEqual(result.services.map((s) => s.metadata.name), ["gw-first-tcp-5000-svc"]);
});

Deno.test("ports 80 and 443 belong to the HTTP and HTTPS listeners, for TCP and TLS alike", () => {
  const result = plan([request("web", 80), request("tls", 443, "TLS", ["x.example.com"])]);
  assert.deepEqual(result.listeners, []);
  assert.deepEqual(result.refused.map((r) => r.message), [
    "test web: port 80/TCP is already taken by the Gateway's HTTP listeners",
    "test tls: port 443/TCP is already taken by the Gateway's HTTPS listeners",
  ]);
  assert.deepEqual(result.routeKinds, [], "nothing wanted and nothing live: no route kind listed");
});

Deno.test("UDP 443 and TCP 5000 next to UDP 5000 are free: UDP has its own ports", () => {
  const result = plan([request("quic", 443, "UDP"), request("t", 5000), request("u", 5000, "UDP")]);
  assert.deepEqual(result.refused, []);
  assert.equal(result.listeners.length, 3);
});

Deno.test("the holder of a live listener keeps its port even when listed after a newcomer", () => {
  const before = plan([request("old", 5000)]);
  const after = plan([request("new", 5000), request("old", 5000)], { live: gatewayOf(before) });
  assert.deepEqual(after.listeners.map((l) => l.name), ["gw-old-tcp-5000"]);
  assert.deepEqual(after.refused.map((r) => r.message), [
    "test new: port 5000/TCP is already taken by test old",
  ]);
});

Deno.test("a request with one taken port is refused whole; the ports it asked for stay free", () => {
  const both: L4Request = {
    ...request("both", 6000),
    listeners: [{ protocol: "TCP", port: 6000 }, { protocol: "TCP", port: 443 }],
  };
  const result = plan([both, request("later", 6000)]);
  assert.deepEqual(result.refused.map((r) => r.owner), ["test both"]);
  assert.deepEqual(result.listeners.map((l) => l.name), ["gw-later-tcp-6000"]);
  assert.ok(!result.routes.some((route) => route.metadata.name.includes("both")));
});

Deno.test("requests that cannot be built are refused naming why", () => {
  const cases: [L4Request, string][] = [
    [request("zero", 0), "port 0 is not a port number (1-65535)"],
    [request("big", 70000), "port 70000 is not a port number (1-65535)"],
    [{
      ...request("twice", 7000),
      listeners: [{ protocol: "TCP", port: 7000 }, { protocol: "TLS", port: 7000 }],
    }, "asks for port 7000/TCP twice"],
    [request("Bad_Key", 7001), 'cannot name a listener "gw-Bad_Key-tcp-7001"'],
    [
      request("ip", 7002, "TLS", ["10.0.0.1"]),
      'SNI hostname "10.0.0.1" is an IP address, not a hostname',
    ],
    [request("nosni", 7003, "TLS", []), "route gw-nosni-tls-7003 has 0 SNI hostnames (1-1024)"],
    [{
      ...request("nobackend", 7004),
      routes: [{ ...request("nobackend", 7004).routes[0], backends: [] }],
    }, "route gw-nobackend-tcp-7004 has 0 backends (1-16)"],
    [{
      ...request("elsewhere", 7005),
      routes: [{
        ...request("elsewhere", 7005).routes[0],
        listener: { protocol: "TCP", port: 7006 },
      }],
    }, "route gw-elsewhere-tcp-7005 is on port 7006/TCP, not one of its listeners"],
  ];
  for (const [bad, why] of cases) {
    const result = plan([bad, request("fine", 9000)]);
    assert.deepEqual(result.refused, [{ owner: bad.owner, message: `${bad.owner}: ${why}` }]);
    assert.deepEqual(result.listeners.map((l) => l.name), ["gw-fine-tcp-9000"], why);
  }
});

Deno.test("two requests with the same key or object name: the second is refused", () => {
  const sameKey = { ...request("dup", 7100), owner: "other dup" };
  const sameObject: L4Request = {
    ...request("x", 7300),
    routes: request("y", 7200).routes.map((r) => ({
      ...r,
      listener: { protocol: "TCP" as const, port: 7300 },
    })),
  };
  const result = plan([request("dup", 7000), sameKey, request("y", 7200), sameObject]);
  assert.deepEqual(result.refused.map((r) => r.message), [
    "other dup: its listener names would be those of test dup",
    "test x: its object TCPRoute/gw-y-tcp-7200 would be that of test y",
  ]);
});

Deno.test("the Gateway's 64 listeners bound the L4 ones: the request past them is refused", () => {
  const requests = Array.from({ length: 4 }, (_, i) => request(`r${i}`, 10000 + i));
  const result = plan(requests, { httpListeners: 61 });
  assert.deepEqual(result.listeners.length, 3);
  assert.deepEqual(result.refused.map((r) => r.message), [
    "test r3: needs 1 listener(s) and the Gateway has 0 left (64 at most)",
  ]);
});

Deno.test("route kinds are listed only when wanted or when the live Gateway has their listeners", () => {
  assert.deepEqual(plan([]).routeKinds, []);
  const live = gatewayOf(plan([request("u", 53, "UDP")]));
  const gone = plan([], { live });
  assert.deepEqual(gone.routeKinds.map((kind) => kind.kind), ["UDPRoute"]);
  assert.deepEqual(gone.listeners, [], "a live listener nobody asks for goes");
  const httpOnly = renderGateway({
    name: "gw",
    gatewayClass: "c",
    hostnames: ["a.example.com"],
    tls: [],
  });
  assert.deepEqual(plan([], { live: httpOnly }).routeKinds, []);
});

Deno.test("l4RequestObjects names a request's routes and Services as Kind/name", () => {
  assert.deepEqual(l4RequestObjects(request("a", 5000, "UDP")), [
    "UDPRoute/gw-a-udp-5000",
    "Service/gw-a-udp-5000-svc",
  ]);
});

Deno.test("SNI hostnames: wildcards as a first label are fine; IPs and upper case are not", () => {
  assert.equal(sniHostnameProblem("*.example.com"), null);
  assert.equal(sniHostnameProblem("a.example.com"), null);
  assert.notEqual(sniHostnameProblem("fd00::1"), null);
  assert.notEqual(sniHostnameProblem("A.example.com"), null);
  assert.notEqual(sniHostnameProblem("a.*.example.com"), null);
});

// --- properties ---

const protocol = fc.constantFrom<L4Protocol>("TCP", "UDP", "TLS");
const port = fc.oneof(fc.constantFrom(80, 443, 5000, 5001), fc.integer({ min: 1, max: 65535 }));
const requests = fc.uniqueArray(
  fc.record({
    key: fc.stringMatching(/^[a-z][a-z0-9]{0,8}$/),
    ports: fc.uniqueArray(fc.tuple(protocol, port), { minLength: 1, maxLength: 3 }),
  }),
  { selector: (r) => r.key, maxLength: 8 },
).map((specs) =>
  specs.map(({ key, ports }): L4Request => ({
    owner: `test ${key}`,
    key,
    listeners: ports.map(([protocol, port]) => ({ protocol, port })),
    routes: ports.map(([protocol, port]) => ({
      name: `gw-${key}-${protocol.toLowerCase()}-${port}`,
      listener: { protocol, port },
      hostnames: protocol === "TLS" ? [`${key}.example.com`] : undefined,
      backends: [{ service: `gw-${key}-${port}`, port }],
    })),
    services: [],
  }))
);

Deno.test("property: ports are never shared, 80/443 stay HTTP's, each request is whole or refused", () =>
  check(
    fc.property(requests, fc.integer({ min: 1, max: 63 }), (asked, httpListeners) => {
      const result = plan(asked, { httpListeners });
      const seen = new Set<string>();
      for (const listener of result.listeners) {
        const space = listener.protocol === "UDP" ? "UDP" : "TCP";
        const key = `${listener.port}/${space}`;
        assert.ok(!seen.has(key), `${key} given twice`);
        seen.add(key);
        assert.ok(!(space === "TCP" && (listener.port === 80 || listener.port === 443)));
      }
      assert.ok(result.listeners.length <= 64 - httpListeners);
      const refused = new Set(result.refused.map((r) => r.owner));
      for (const asking of asked) {
        const got = result.listeners.filter((l) => l.owner === asking.owner).length;
        assert.equal(got, refused.has(asking.owner) ? 0 : asking.listeners.length);
      }
      assertAdmitted(gatewayOf(result));
    }),
    300,
  ));

Deno.test("property: planning again on the resulting Gateway keeps every listener, in any order", () =>
  check(
    fc.property(
      requests.chain((asked) =>
        fc.tuple(fc.constant(asked), fc.shuffledSubarray(asked, { minLength: asked.length }))
      ),
      ([asked, shuffled]) => {
        const first = plan(asked);
        const again = plan(shuffled, { live: gatewayOf(first) });
        const names = (p: L4Plan) => p.listeners.map((l) => l.name).sort();
        assert.deepEqual(names(again), names(first));
      },
    ),
    300,
  ));
