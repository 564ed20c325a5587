/**
 * The Traefik-configuration translator (`src/gateway/traefik.ts`): what each supported
 * construct becomes, every object accepted by the real CRDs (offline validator), and a refusal
 * naming the router and the construct for each thing the Gateway API cannot express. Property
 * tests: any value as config is either translated into admissible objects or refused with a
 * TraefikConfigError, never a crash.
 */
import assert from "node:assert/strict";
import { planL4 } from "../../src/gateway/l4.ts";
import {
  type HttpListeners,
  renderTraefikHttpRoutes,
  TraefikConfigError,
  type TraefikInput,
  type TraefikPlan,
  translateTraefik,
} from "../../src/gateway/traefik.ts";
import type { KubeObject } from "../../src/k8s/types.ts";
import { parse } from "yaml";
import { loadRegistry } from "../harness/k8s/mod.ts";
import { check, fc } from "../properties.ts";

const registry = await loadRegistry();

function assertAdmitted(object: KubeObject): void {
  const { errors, unknownFields } = registry.validate(object);
  assert.deepEqual(errors, [], `${object.kind}/${object.metadata.name}`);
  assert.deepEqual(unknownFields, [], `${object.kind}/${object.metadata.name}`);
}

const GW = "gw";
const LISTENERS: HttpListeners = {
  gateway: GW,
  namespace: "testing",
  http: ["gw-http"],
  https: ["gw-https-x-example-com"],
};

const input = (
  config: Record<string, unknown>,
  more: Partial<TraefikInput> = {},
): TraefikInput => ({
  gateway: GW,
  model: "testing",
  app: "hkp",
  units: ["hkp/0", "hkp/1"],
  config,
  static: { entryPoints: { recon: { address: ":11370" }, dns: { address: ":5353/udp" } } },
  raw: false,
  ...more,
});

const unit = (n: number, port: number) =>
  `hkp-${n}.hkp-endpoints.testing.svc.cluster.local:${port}`;

const tcp = (rule: string, servers: string[], extra: Record<string, unknown> = {}) => ({
  tcp: {
    routers: { "hkp-tcp": { rule, entryPoints: ["recon"], service: "hkp-svc", ...extra } },
    services: { "hkp-svc": { loadBalancer: { servers: servers.map((address) => ({ address })) } } },
  },
});

const http = (
  router: Record<string, unknown>,
  middlewares: Record<string, unknown> = {},
  service: Record<string, unknown> = {
    loadBalancer: { servers: [{ url: `http://${unit(0, 8080)}` }] },
  },
) => ({
  http: {
    routers: { web: { service: "app", ...router } },
    services: { app: service },
    middlewares,
  },
});

/** Every object of a translation (L4 through planL4, HTTP on both listener kinds). */
function objectsOf(plan: TraefikPlan): KubeObject[] {
  const l4 = planL4({
    gateway: GW,
    namespace: "testing",
    live: undefined,
    httpListeners: 2,
    requests: [{ owner: "t", key: "hkp", ...plan }],
  });
  assert.deepEqual(l4.refused, []);
  return [
    ...l4.routes,
    ...l4.services,
    ...plan.http.flatMap((p) => renderTraefikHttpRoutes(p, LISTENERS)),
  ];
}

const refusal = (config: Record<string, unknown>, more: Partial<TraefikInput> = {}): string => {
  try {
    translateTraefik(input(config, more));
  } catch (error) {
    if (error instanceof TraefikConfigError) return error.message;
    throw error;
  }
  return assert.fail("translated");
};

Deno.test("hockeypuck: ClientIP(0.0.0.0/0) on :11370 → a TCP listener, a TCPRoute, a Service of its pods", () => {
  const plan = translateTraefik(
    input(tcp("ClientIP(`0.0.0.0/0`)", [unit(0, 11370), unit(1, 11370)])),
  );
  assert.deepEqual(plan.listeners, [{ protocol: "TCP", port: 11370 }]);
  assert.deepEqual(plan.routes, [{
    name: "gw-hkp-hkp-tcp-11370",
    listener: { protocol: "TCP", port: 11370 },
    backends: [{ service: "gw-hkp-tr-11370", port: 11370 }],
  }]);
  assert.deepEqual(plan.services.map((s) => s.spec), [{
    ports: [{ name: "tcp-11370", port: 11370, targetPort: 11370, protocol: "TCP" }],
    selector: { "app.kubernetes.io/name": "hkp" },
  }]);
  objectsOf(plan).forEach(assertAdmitted);
});

Deno.test("servers naming some units only get one Service per pod, by pod name", () => {
  const plan = translateTraefik(input(tcp("HostSNI(`*`)", [unit(1, 11370)])));
  assert.deepEqual(plan.services.map((s) => [s.metadata.name, s.spec]), [[
    "gw-hkp-1-trp-11370",
    {
      ports: [{ name: "tcp-11370", port: 11370, targetPort: 11370, protocol: "TCP" }],
      selector: { "statefulset.kubernetes.io/pod-name": "hkp-1" },
    },
  ]]);
  objectsOf(plan).forEach(assertAdmitted);
});

Deno.test("every accepted form of a unit's host, and the application's Services, name its pods", () => {
  const forms: [string, string][] = [
    ["hkp-0.hkp-endpoints.testing.svc.cluster.local", "hkp-0"],
    ["hkp-0.hkp-endpoints.testing.svc", "hkp-0"],
    ["hkp-0.hkp-endpoints.testing", "hkp-0"],
    ["hkp-0.hkp-endpoints", "hkp-0"],
    ["HKP-0.hkp-endpoints.testing.svc.cluster.local.", "hkp-0"],
    ["hkp-endpoints.testing.svc.cluster.local", "all"],
    ["hkp.testing.svc.cluster.local", "all"],
    ["hkp", "all"],
  ];
  for (const [host, expected] of forms) {
    const plan = translateTraefik(
      input(tcp("HostSNI(`*`)", [`${host}:11370`]), { units: ["hkp/0", "hkp/1"] }),
    );
    const selector = plan.services[0].spec as { selector: Record<string, string> };
    assert.deepEqual(
      selector.selector,
      expected === "all"
        ? { "app.kubernetes.io/name": "hkp" }
        : { "statefulset.kubernetes.io/pod-name": expected },
      host,
    );
  }
});

Deno.test("UDP: a udp router on :5353/udp → a UDP listener, a UDPRoute and a UDP Service", () => {
  const plan = translateTraefik(input({
    udp: {
      routers: { dns: { entryPoints: ["dns"], service: "dns" } },
      services: {
        dns: { loadBalancer: { servers: [{ address: unit(0, 53) }, { address: unit(1, 53) }] } },
      },
    },
  }));
  assert.deepEqual(plan.listeners, [{ protocol: "UDP", port: 5353 }]);
  assert.deepEqual(plan.routes[0].backends, [{ service: "gw-hkp-tr-53-udp", port: 53 }]);
  assert.deepEqual((plan.services[0].spec as { ports: unknown[] }).ports, [
    { name: "udp-53", port: 53, targetPort: 53, protocol: "UDP" },
  ]);
  const objects = objectsOf(plan);
  assert.deepEqual(objects.map((o) => o.kind), ["UDPRoute", "Service"]);
  objects.forEach(assertAdmitted);
});

Deno.test("HostSNI(name) with tls.passthrough → a TLS listener and a TLSRoute with the names", () => {
  const plan = translateTraefik(input(
    tcp("HostSNI(`a.example.com`, `*.b.example.com`)", [unit(0, 8443)], {
      tls: { passthrough: true },
    }),
  ));
  assert.deepEqual(plan.listeners, [{ protocol: "TLS", port: 11370 }]);
  assert.deepEqual(plan.routes[0].hostnames, ["a.example.com", "*.b.example.com"]);
  const objects = objectsOf(plan);
  assert.equal(objects[0].kind, "TLSRoute");
  objects.forEach(assertAdmitted);
});

Deno.test("HTTP: stripPrefix with forceSlash (grafana-k8s sends false) strips as without it", () => {
  const plan = (strip: Record<string, unknown>) =>
    translateTraefik(input(http(
      { rule: "PathPrefix(`/testing-grafana`)", middlewares: ["strip"] },
      { strip: { stripPrefix: strip } },
    ))).http;
  const without = plan({ prefixes: ["/testing-grafana"] });
  assert.deepEqual(plan({ prefixes: ["/testing-grafana"], forceSlash: false }), without);
  assert.deepEqual(plan({ prefixes: ["/testing-grafana"], forceSlash: true }), without);
  assert.equal(without[0].stripPrefix, true);
  assert.match(
    refusal(http({ rule: "PathPrefix(`/a`)", middlewares: ["s"] }, {
      s: { stripPrefix: { prefixes: ["/a"], forceSlash: "no" } },
    })),
    /stripPrefix forceSlash must be true or false/,
  );
});

Deno.test("HTTP: Host && PathPrefix with stripPrefix and headers → matches and filters on both listeners", () => {
  const plan = translateTraefik(input(http(
    {
      rule: "Host(`x.example.com`) && PathPrefix(`/api`)",
      entryPoints: ["web"],
      middlewares: ["strip", "hdr@file"],
    },
    {
      strip: { stripPrefix: { prefixes: ["/api/"] } },
      hdr: {
        headers: {
          customRequestHeaders: { "X-Forwarded-Proto": "https", "X-Drop": "" },
          customResponseHeaders: { "X-Frame-Options": "DENY" },
        },
      },
    },
  )));
  const routes = renderTraefikHttpRoutes(plan.http[0], LISTENERS);
  assert.deepEqual(routes.map((r) => r.metadata.name), [
    "gw-hkp-tr-web-http",
    "gw-hkp-tr-web-https",
  ]);
  assert.deepEqual(routes[0].spec, {
    parentRefs: [{ name: GW, namespace: "testing", sectionName: "gw-http" }],
    hostnames: ["x.example.com"],
    rules: [{
      matches: [{ path: { type: "PathPrefix", value: "/api" } }],
      filters: [
        {
          type: "URLRewrite",
          urlRewrite: { path: { type: "ReplacePrefixMatch", replacePrefixMatch: "/" } },
        },
        {
          type: "RequestHeaderModifier",
          requestHeaderModifier: {
            set: [{ name: "X-Forwarded-Proto", value: "https" }],
            remove: ["X-Drop"],
          },
        },
        {
          type: "ResponseHeaderModifier",
          responseHeaderModifier: { set: [{ name: "X-Frame-Options", value: "DENY" }] },
        },
      ],
      backendRefs: [{ name: "gw-hkp-0-trp-8080", port: 8080 }],
    }],
  });
  objectsOf(plan).forEach(assertAdmitted);
});

Deno.test("HTTP: redirectScheme https redirects on the HTTP listener and forwards on HTTPS", () => {
  const plan = translateTraefik(input(http(
    { rule: "Path(`/login`)", middlewares: ["secure"] },
    { secure: { redirectScheme: { scheme: "https", permanent: true } } },
  )));
  const [onHttp, onHttps] = renderTraefikHttpRoutes(plan.http[0], LISTENERS);
  assert.deepEqual((onHttp.spec as { rules: unknown[] }).rules, [{
    matches: [{ path: { type: "Exact", value: "/login" } }],
    filters: [{ type: "RequestRedirect", requestRedirect: { scheme: "https", statusCode: 301 } }],
  }]);
  assert.deepEqual((onHttps.spec as { rules: { backendRefs: unknown }[] }).rules[0].backendRefs, [
    { name: "gw-hkp-0-trp-8080", port: 8080 },
  ]);
  objectsOf(plan).forEach(assertAdmitted);
});

Deno.test("HTTP: websecure only, or raw, or no HTTPS listener decide which routes there are", () => {
  const secure = translateTraefik(
    input(http({ rule: "Host(`x.example.com`)", entryPoints: ["websecure"] })),
  );
  assert.deepEqual(renderTraefikHttpRoutes(secure.http[0], LISTENERS).map((r) => r.metadata.name), [
    "gw-hkp-tr-web-https",
  ]);
  const raw = translateTraefik(
    input(http({ rule: "Host(`x.example.com`)", entryPoints: ["web"] }), { raw: true }),
  );
  assert.deepEqual(renderTraefikHttpRoutes(raw.http[0], LISTENERS).map((r) => r.metadata.name), [
    "gw-hkp-tr-web-http",
  ]);
  assert.deepEqual(renderTraefikHttpRoutes(secure.http[0], { ...LISTENERS, https: [] }), []);
});

Deno.test("the traefik_route example databag (interfaces.md §4) translates", () => {
  const example = JSON.parse(
    Deno.readTextFileSync(
      new URL(
        "../../../shared/reference/data/interfaces/_examples/traefik_route_v0.json",
        import.meta.url,
      ),
    ),
  );
  const plan = translateTraefik({
    gateway: GW,
    model: "cos",
    app: "myapp",
    units: ["myapp/0"],
    config: parse(example.requirer_app.config),
    static: parse(example.requirer_app.static),
    raw: false,
  });
  assert.deepEqual(plan.http[0].paths, [{ type: "PathPrefix", value: "/cos-myapp" }]);
  assert.deepEqual(plan.listeners, [], "a declared entryPoint no router uses gets no listener");
  objectsOf(plan).forEach(assertAdmitted);
});

const weightedTcp = (children: unknown[], services: Record<string, unknown>) => ({
  tcp: {
    routers: { r: { rule: "HostSNI(`*`)", entryPoints: ["recon"], service: "split" } },
    services: { split: { weighted: { services: children } }, ...services },
  },
});
const one = (n: number) => ({ loadBalancer: { servers: [{ address: unit(n, 11370) }] } });

Deno.test("weighted services: each of its services becomes a backendRef of its weight", () => {
  const plan = translateTraefik(input(weightedTcp(
    [{ name: "blue", weight: 3 }, { name: "green" }],
    { blue: one(0), green: one(1) },
  )));
  assert.deepEqual(plan.routes[0].backends, [
    { service: "gw-hkp-0-trp-11370", port: 11370, weight: 3 },
    { service: "gw-hkp-1-trp-11370", port: 11370, weight: 1 },
  ]);
  objectsOf(plan).forEach(assertAdmitted);
  const http = translateTraefik(input({
    http: {
      routers: { web: { rule: "PathPrefix(`/`)", service: "split" } },
      services: {
        split: { weighted: { services: [{ name: "a", weight: 0 }, { name: "b", weight: 2 }] } },
        a: { loadBalancer: { servers: [{ url: `http://${unit(0, 80)}` }] } },
        b: { loadBalancer: { servers: [{ url: `http://${unit(1, 80)}` }] } },
      },
    },
  }));
  const [route] = renderTraefikHttpRoutes(http.http[0], LISTENERS);
  assert.deepEqual((route.spec as { rules: { backendRefs: unknown }[] }).rules[0].backendRefs, [
    { name: "gw-hkp-0-trp-80", port: 80, weight: 0 },
    { name: "gw-hkp-1-trp-80", port: 80, weight: 2 },
  ]);
  objectsOf(http).forEach(assertAdmitted);
});

Deno.test("weighted services that cannot be expressed are refused naming why", () => {
  const both = { loadBalancer: { servers: [{ address: unit(0, 1) }, { address: unit(1, 2) }] } };
  const cases: [Record<string, unknown>, string][] = [
    [
      weightedTcp([{ name: "inner" }], { inner: { weighted: { services: [{ name: "x" }] } } }),
      'tcp router "r": service "inner": nested weighted services are not supported (only loadBalancer and weighted)',
    ],
    [
      weightedTcp([{ name: "two" }], { two: both }),
      'tcp router "r": service "split" weighted service 1: service "two" has 2 backends (a weighted service\'s services must have one each)',
    ],
    [
      weightedTcp([{ name: "x", weight: -1 }], { x: one(0) }),
      'tcp router "r": service "split" weighted service 1: weight "-1" is not a whole number from 0 to 1000000',
    ],
    [weightedTcp([], {}), 'tcp router "r": service "split": weighted has no services'],
    [
      weightedTcp([{ name: "x", sticky: {} }], { x: one(0) }),
      'tcp router "r": service "split" weighted service 1: "sticky" is not supported',
    ],
  ];
  for (const [config, message] of cases) assert.equal(refusal(config), message);
});

Deno.test("what the Gateway API cannot express is refused naming the router and the construct", () => {
  const lb = (extra: Record<string, unknown>) => ({
    loadBalancer: { servers: [{ url: `http://${unit(0, 80)}` }], ...extra },
  });
  const cases: [Record<string, unknown>, string, Partial<TraefikInput>?][] = [
    [
      http({ rule: "Host(`a.example.com`)" }, {}, {
        weighted: { services: [{ name: "x", weight: 1 }], healthCheck: {} },
      }),
      'http router "web": service "app" weighted: "healthCheck" is not supported',
    ],
    [
      http({ rule: "Host(`a.example.com`)" }, {}, lb({ healthCheck: { path: "/" } })),
      'http router "web": service "app" loadBalancer: "healthCheck" is not supported',
    ],
    [
      http({ rule: "Host(`a.example.com`)", middlewares: ["limit"] }, {
        limit: { rateLimit: { average: 1 } },
      }),
      'http router "web": middleware "limit": "rateLimit" middlewares are not supported',
    ],
    [
      http({ rule: "Host(`a.example.com`)", middlewares: ["gone"] }),
      'http router "web": middleware "gone" is not defined',
    ],
    [
      http({ rule: "HostRegexp(`{sub:[a-z]+}.example.com`)" }),
      'http router "web": regular-expression rules (HostRegexp) are not supported',
    ],
    [
      http({ rule: "Host(`a.example.com`) || Host(`b.example.com`)" }),
      'http router "web": rule "Host(`a.example.com`) || Host(`b.example.com`)": alternatives (||) are not supported',
    ],
    [http({ rule: "Method(`GET`)" }), 'http router "web": the Method matcher is not supported'],
    [
      http({ rule: "PathPrefix(`/a`)", middlewares: ["s"] }, {
        s: { stripPrefix: { prefixes: ["/b"] } },
      }),
      'http router "web": stripPrefix "/b" must strip the rule\'s one PathPrefix',
    ],
    [
      http({ rule: "PathPrefix(`/a`)", entryPoints: ["recon"] }),
      'http router "web": entryPoint "recon": HTTP is served on web and websecure only',
    ],
    [
      http({ rule: "PathPrefix(`/a`)" }, {}, {
        loadBalancer: { servers: [{ url: "https://hkp-0.hkp-endpoints:443" }] },
      }),
      'http router "web": service "app" server 1: url "https://hkp-0.hkp-endpoints:443": TLS to the backend (https) is not supported',
    ],
    [
      tcp("ClientIP(`10.0.0.0/8`)", [unit(0, 1)]),
      'tcp router "hkp-tcp": ClientIP(`10.0.0.0/8`) restricts clients, which is not supported',
    ],
    [
      tcp("HostSNI(`a.example.com`)", [unit(0, 1)]),
      'tcp router "hkp-tcp": HostSNI with TLS termination is not supported (only tls.passthrough)',
    ],
    [
      tcp("HostSNI(`*`)", ["10.1.2.3:11370"]),
      'tcp router "hkp-tcp": server "10.1.2.3" is not a unit of hkp in model testing (<unit>.hkp-endpoints.testing.svc.cluster.local)',
    ],
    [
      tcp("HostSNI(`*`)", ["other-0.other-endpoints.testing.svc.cluster.local:1"]),
      'tcp router "hkp-tcp": server "other-0.other-endpoints.testing.svc.cluster.local" is not a unit of hkp in model testing (<unit>.hkp-endpoints.testing.svc.cluster.local)',
    ],
    [
      tcp("HostSNI(`*`)", ["hkp-0.hkp-endpoints.elsewhere.svc.cluster.local:1"]),
      'tcp router "hkp-tcp": server "hkp-0.hkp-endpoints.elsewhere.svc.cluster.local" is not a unit of hkp in model testing (<unit>.hkp-endpoints.testing.svc.cluster.local)',
    ],
    [
      tcp("HostSNI(`*`)", [unit(0, 1)], { entryPoints: ["nowhere"] }),
      'tcp router "hkp-tcp": entryPoint "nowhere" is not declared in static',
    ],
    [
      tcp("HostSNI(`*`)", [unit(0, 1)], { middlewares: ["x"] }),
      'tcp router "hkp-tcp": "middlewares" is not supported',
    ],
    [
      tcp("HostSNI(`*`)", [unit(0, 1)]),
      'entryPoint "recon": address "10.0.0.1:11370" is not supported (only ":<port>" or ":<port>/udp")',
      { static: { entryPoints: { recon: { address: "10.0.0.1:11370" } } } },
    ],
    [
      tcp("HostSNI(`*`)", [unit(0, 1)]),
      'entryPoint "recon" has no address (":<port>" or ":<port>/udp")',
      { static: { entryPoints: { recon: {} } } },
    ],
    [
      tcp("HostSNI(`*`)", [unit(0, 1)]),
      'entryPoint "recon": "proxyProtocol" is not supported',
      { static: { entryPoints: { recon: { address: ":11370", proxyProtocol: {} } } } },
    ],
    [
      {
        tcp: {
          routers: {
            one: { rule: "HostSNI(`*`)", entryPoints: ["recon"], service: "s" },
            two: { rule: "HostSNI(`*`)", entryPoints: ["recon"], service: "s" },
          },
          services: { s: { loadBalancer: { servers: [{ address: unit(0, 1) }] } } },
        },
      },
      'tcp router "two": entryPoint port 11370/tcp is already served by router "one"',
    ],
    [
      tcp("HostSNI(`*`)", [unit(0, 1)], { service: "toString" }),
      'tcp router "hkp-tcp": service "toString" is not defined',
    ],
    [
      tcp("HostSNI(`*`)", [unit(0, 1)], { entryPoints: ["constructor"] }),
      'tcp router "hkp-tcp": entryPoint "constructor" is not declared in static',
    ],
    [
      tcp("HostSNI(`*`)", [`hkp-${"9".repeat(60)}.hkp-endpoints:1`]),
      `tcp router "hkp-tcp": server "hkp-${"9".repeat(60)}.hkp-endpoints" is not a unit of hkp ` +
      "in model testing (<unit>.hkp-endpoints.testing.svc.cluster.local)",
    ],
    [{ tls: { certificates: [] } }, 'config: "tls" is not supported'],
    [{ http: { serversTransports: {} } }, 'http: "serversTransports" is not supported'],
  ];
  for (const [config, message, more] of cases) assert.equal(refusal(config, more), message);
});

// --- properties ---

const json: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: "small" },
    fc.string(),
    fc.integer(),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie("value"), { maxLength: 3 }),
    fc.dictionary(fc.string({ maxLength: 6 }), tie("value"), { maxKeys: 3 }),
  ),
})).value;

Deno.test("property: any value as config is translated or refused, never a crash", () =>
  check(
    fc.property(
      fc.dictionary(fc.constantFrom("http", "tcp", "udp", "x"), json, { maxKeys: 3 }),
      (config) => {
        try {
          translateTraefik(input(config));
        } catch (error) {
          if (!(error instanceof TraefikConfigError)) throw error;
        }
      },
    ),
    500,
  ));

const ruleArb = fc.oneof(
  fc.constant("HostSNI(`*`)"),
  fc.constant("ClientIP(`0.0.0.0/0`)"),
  fc.stringMatching(/^[a-z]{1,8}\.example\.com$/).map((host) => `HostSNI(\`${host}\`)`),
  fc.string({ maxLength: 20 }),
);
const pathArb = fc.oneof(fc.stringMatching(/^\/[a-z0-9._~-]{0,10}$/), fc.string({ maxLength: 12 }));

Deno.test("property: what translates is accepted by the CRDs, whatever the rules and paths", async () => {
  let translated = 0;
  await check(
    fc.property(
      ruleArb,
      pathArb,
      fc.boolean(),
      fc.integer({ min: 0, max: 3 }),
      (rule, path, passthrough, units) => {
        const servers = Array.from({ length: units + 1 }, (_, n) => unit(n, 9000 + n));
        const config = {
          ...tcp(rule, servers, passthrough ? { tls: { passthrough: true } } : {}),
          ...http(
            { rule: `Host(\`x.example.com\`) && PathPrefix(\`${path}\`)`, middlewares: ["s"] },
            { s: { stripPrefix: { prefixes: [path] } } },
            { loadBalancer: { servers: servers.map((address) => ({ url: `http://${address}` })) } },
          ),
        };
        let plan: TraefikPlan;
        try {
          plan = translateTraefik(input(config));
        } catch (error) {
          if (error instanceof TraefikConfigError) return;
          throw error;
        }
        objectsOf(plan).forEach(assertAdmitted);
        translated++;
      },
    ),
    300,
  );
  assert.ok(translated > 30, `only ${translated} of 300 translated`);
});
