/**
 * The fake server's EndpointSlice (discovery.k8s.io/v1) over HTTP: a valid slice is stored with
 * its defaults, each rule of the apiserver's validation an integrator can trip is refused with a
 * 422 naming the field, the address type cannot change, and server-side apply replaces the
 * endpoint list as a whole (it is atomic).
 */
import assert from "node:assert/strict";
import { type FakeApiServer, startFakeApiServer } from "./server.ts";

const NS = "testns";
const PATH = `/apis/discovery.k8s.io/v1/namespaces/${NS}/endpointslices`;

type J = Record<string, unknown>;

function slice(o: J = {}): J {
  return {
    apiVersion: "discovery.k8s.io/v1",
    kind: "EndpointSlice",
    metadata: { name: "web", labels: { "kubernetes.io/service-name": "web" } },
    addressType: "IPv4",
    endpoints: [{ addresses: ["10.1.2.3"], conditions: { ready: true } }],
    ports: [{ name: "tcp-8080", port: 8080 }],
    ...o,
  };
}

async function withServer(fn: (server: FakeApiServer) => Promise<void>) {
  const server = await startFakeApiServer({ namespaces: [NS] });
  try {
    await fn(server);
  } finally {
    await server.close();
  }
}

async function apply(server: FakeApiServer, body: J): Promise<{ code: number; body: J }> {
  const name = (body.metadata as { name: string }).name;
  const response = await fetch(
    `${server.url}${PATH}/${name}?fieldManager=test&force=true`,
    {
      method: "PATCH",
      headers: {
        authorization: `Bearer ${server.token}`,
        "content-type": "application/apply-patch+yaml",
      },
      body: JSON.stringify(body),
    },
  );
  return { code: response.status, body: await response.json() };
}

Deno.test("a valid EndpointSlice is stored with TCP as its ports' default protocol", () =>
  withServer(async (server) => {
    const result = await apply(server, slice());
    assert.equal(result.code, 201, JSON.stringify(result.body));
    assert.deepEqual(result.body.ports, [{ name: "tcp-8080", port: 8080, protocol: "TCP" }]);
  }));

const INVALID: [string, J, string][] = [
  ["no address type", { addressType: undefined }, "addressType: Required value"],
  ["an unknown address type", { addressType: "IP" }, 'addressType: Unsupported value: "IP"'],
  [
    "an IPv6 address in an IPv4 slice",
    { endpoints: [{ addresses: ["fd00::1"] }] },
    'endpoints[0].addresses[0]: Invalid value: "fd00::1": must be a valid IPv4 address',
  ],
  [
    "an IPv4 address in an IPv6 slice",
    { addressType: "IPv6", endpoints: [{ addresses: ["10.0.0.1"] }] },
    "must be a valid IPv6 address",
  ],
  ["an endpoint without addresses", { endpoints: [{ addresses: [] }] }, "endpoints[0].addresses"],
  [
    "more than 100 addresses in an endpoint",
    { endpoints: [{ addresses: Array.from({ length: 101 }, (_, i) => `10.0.0.${i}`) }] },
    "must have at most 100 items",
  ],
  ["a port out of range", { ports: [{ name: "p", port: 70000 }] }, "ports[0].port"],
  ["a bad port name", { ports: [{ name: "Bad_Name", port: 80 }] }, "ports[0].name"],
  [
    "two ports of one name",
    { ports: [{ name: "p", port: 80 }, { name: "p", port: 81 }] },
    "ports[1].name: Duplicate",
  ],
  [
    "an unknown protocol",
    { ports: [{ name: "p", port: 80, protocol: "HTTP" }] },
    "ports[0].protocol",
  ],
];

for (const [name, change, message] of INVALID) {
  Deno.test(`an EndpointSlice with ${name} is refused`, () =>
    withServer(async (server) => {
      const result = await apply(server, slice(change));
      assert.equal(result.code, 422);
      assert.match(
        String(result.body.message),
        new RegExp(message.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")),
      );
    }));
}

Deno.test("an EndpointSlice's address type is immutable", () =>
  withServer(async (server) => {
    assert.equal((await apply(server, slice())).code, 201);
    const changed = await apply(
      server,
      slice({ addressType: "IPv6", endpoints: [{ addresses: ["fd00::1"] }] }),
    );
    assert.equal(changed.code, 422);
    assert.match(
      String(changed.body.message),
      /addressType: Invalid value: "IPv6": field is immutable/,
    );
  }));

Deno.test("applying an EndpointSlice replaces its endpoint list as a whole", () =>
  withServer(async (server) => {
    const two = [{ addresses: ["10.1.2.3"] }, { addresses: ["10.1.2.4"] }];
    assert.equal((await apply(server, slice({ endpoints: two }))).code, 201);
    const one = await apply(server, slice({ endpoints: [{ addresses: ["10.1.2.4"] }] }));
    assert.equal(one.code, 200);
    assert.deepEqual(one.body.endpoints, [{ addresses: ["10.1.2.4"] }]);
  }));
