/**
 * The Kubernetes objects the charm renders (anchor-charm §5.3–§5.5): exact shapes, and every
 * render accepted by the real Gateway API CRD schemas and CEL rules (offline, through the fake
 * API server's validator) with no field pruned as unknown.
 */
import assert from "node:assert/strict";
import {
  type Backend,
  type GatewaySpec,
  renderForwardingRoute,
  renderGateway,
  renderRedirectRoute,
  renderService,
  type RouteOptions,
} from "../../src/gateway/objects.ts";
import type { KubeObject } from "../../src/k8s/types.ts";
import { loadRegistry } from "../harness/k8s/mod.ts";

const registry = await loadRegistry();

/** Asserts the API would accept the object as it is: no field errors, nothing pruned. */
function assertAdmitted(object: KubeObject): void {
  const { errors, unknownFields } = registry.validate(object);
  assert.deepEqual(errors, [], `${object.kind}/${object.metadata.name}`);
  assert.deepEqual(unknownFields, [], `${object.kind}/${object.metadata.name}`);
}

const ALL = { namespaces: { from: "All" } };
const GATEWAY_API = "gateway.networking.k8s.io/v1";

interface Listener {
  name: string;
  port: number;
  protocol: string;
  hostname?: string;
  allowedRoutes: unknown;
  tls?: { certificateRefs: { kind: string; name: string }[] };
}
const listenersOf = (gateway: KubeObject) => (gateway.spec as { listeners: Listener[] }).listeners;

const gatewaySpec = (spec: Partial<GatewaySpec> = {}): GatewaySpec => ({
  name: "gw",
  gatewayClass: "cilium",
  hostnames: [],
  tls: [],
  ...spec,
});

// --- Gateway -------------------------------------------------------------------------------------

Deno.test("a Gateway without hostnames has exactly one <app>-http listener and no hostname", () => {
  const gateway = renderGateway(gatewaySpec({ name: "gateway-api-integrator" }));
  assert.deepEqual(gateway, {
    apiVersion: GATEWAY_API,
    kind: "Gateway",
    metadata: { name: "gateway-api-integrator" },
    spec: {
      gatewayClassName: "cilium",
      listeners: [
        { name: "gateway-api-integrator-http", port: 80, protocol: "HTTP", allowedRoutes: ALL },
      ],
    },
  });
  assertAdmitted(gateway);
});

Deno.test("a Gateway gets one HTTP listener per hostname, sorted, with dashed names", () => {
  const gateway = renderGateway(gatewaySpec({ hostnames: ["b.example.com", "a.example.com"] }));
  assert.deepEqual(listenersOf(gateway), [
    {
      name: "gw-http-a-example-com",
      port: 80,
      protocol: "HTTP",
      hostname: "a.example.com",
      allowedRoutes: ALL,
    },
    {
      name: "gw-http-b-example-com",
      port: 80,
      protocol: "HTTP",
      hostname: "b.example.com",
      allowedRoutes: ALL,
    },
  ]);
  assertAdmitted(gateway);
});

Deno.test("an IP among the hostnames gets a listener without a hostname field", () => {
  const gateway = renderGateway(gatewaySpec({ hostnames: ["10.0.0.1", "a.example.com"] }));
  assert.deepEqual(listenersOf(gateway)[0], {
    name: "gw-http-10-0-0-1",
    port: 80,
    protocol: "HTTP",
    allowedRoutes: ALL,
  });
  assert.equal(listenersOf(gateway)[1].hostname, "a.example.com");
  assertAdmitted(gateway);
});

Deno.test("HTTPS listeners come after the HTTP ones, sorted, with a Secret certificateRef", () => {
  const gateway = renderGateway(gatewaySpec({
    hostnames: ["a.example.com", "b.example.com"],
    tls: [
      { host: "b.example.com", secretName: "gw-secret-b.example.com" },
      { host: "a.example.com", secretName: "gw-secret-a.example.com" },
    ],
  }));
  assert.deepEqual(listenersOf(gateway).slice(2), [
    {
      name: "gw-https-a-example-com",
      port: 443,
      protocol: "HTTPS",
      hostname: "a.example.com",
      allowedRoutes: ALL,
      tls: { certificateRefs: [{ kind: "Secret", name: "gw-secret-a.example.com" }] },
    },
    {
      name: "gw-https-b-example-com",
      port: 443,
      protocol: "HTTPS",
      hostname: "b.example.com",
      allowedRoutes: ALL,
      tls: { certificateRefs: [{ kind: "Secret", name: "gw-secret-b.example.com" }] },
    },
  ]);
  assert.deepEqual(listenersOf(gateway).map((listener) => listener.protocol), [
    "HTTP",
    "HTTP",
    "HTTPS",
    "HTTPS",
  ]);
  assertAdmitted(gateway);
});

Deno.test("an HTTPS listener for an IP target is named after it and has no hostname", () => {
  const gateway = renderGateway(gatewaySpec({
    tls: [{ host: "10.0.0.1", secretName: "gw-secret-10.0.0.1" }],
  }));
  assert.deepEqual(listenersOf(gateway)[1], {
    name: "gw-https-10-0-0-1",
    port: 443,
    protocol: "HTTPS",
    allowedRoutes: ALL,
    tls: { certificateRefs: [{ kind: "Secret", name: "gw-secret-10.0.0.1" }] },
  });
  assertAdmitted(gateway);
});

Deno.test("an HTTPS listener without a host is <app>-https with no hostname", () => {
  const gateway = renderGateway(gatewaySpec({ tls: [{ host: null, secretName: "s" }] }));
  assert.deepEqual(listenersOf(gateway).map(({ name, hostname }) => ({ name, hostname })), [
    { name: "gw-http", hostname: undefined },
    { name: "gw-https", hostname: undefined },
  ]);
  assertAdmitted(gateway);
});

Deno.test("a Gateway with 32 hostnames, each with TLS, is accepted (64 listeners)", () => {
  const hosts = Array.from({ length: 32 }, (_, i) => `host-${i}.sub.example.com`);
  const gateway = renderGateway(gatewaySpec({
    name: "gateway-api-integrator",
    hostnames: hosts,
    tls: hosts.map((host) => ({ host, secretName: `gateway-api-integrator-secret-${host}` })),
  }));
  assert.equal(listenersOf(gateway).length, 64);
  assertAdmitted(gateway);
});

Deno.test("the offline validator is not vacuous: 65 listeners are rejected", () => {
  const hosts = Array.from({ length: 33 }, (_, i) => `host-${i}.example.com`);
  const gateway = renderGateway(gatewaySpec({
    hostnames: hosts,
    tls: hosts.map((host) => ({ host, secretName: `gw-secret-${host}` })),
  }));
  assert.notDeepEqual(registry.validate(gateway).errors, []);
});

Deno.test("a Gateway with long hostnames and a long name is accepted", () => {
  const host = `${"a".repeat(63)}.${"b".repeat(63)}.example.com`;
  const name = `gateway-api-integrator-${"x".repeat(27)}`;
  const gateway = renderGateway(gatewaySpec({
    name,
    hostnames: [host],
    tls: [{ host, secretName: `${name}-secret-${host}` }],
  }));
  assertAdmitted(gateway);
});

// --- Service -------------------------------------------------------------------------------------

const WEB: Backend = { model: "cos", app: "grafana", port: 3000, stripPrefix: false };

Deno.test("the Service has exactly the Python charm's shape (§5.5)", () => {
  const service = renderService("gateway-api-integrator", WEB);
  assert.deepEqual(service, {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: "gateway-api-integrator-grafana-service" },
    spec: {
      ports: [{ port: 3000, name: "tcp-3000", targetPort: 3000 }],
      selector: { "app.kubernetes.io/name": "grafana" },
    },
  });
  assertAdmitted(service);
});

const SERVICE_CASES: [string, Backend][] = [
  ["port 1", { ...WEB, port: 1 }],
  ["port 65534", { ...WEB, port: 65534 }],
  ["a long application name", { ...WEB, app: `app-${"x".repeat(46)}` }],
];
for (const [what, backend] of SERVICE_CASES) {
  Deno.test(`the Service for ${what} is accepted by the API`, () => {
    const service = renderService("gateway-api-integrator", backend);
    assert.ok(service.metadata.name.length <= 63);
    assertAdmitted(service);
  });
}

// --- Forwarding routes ---------------------------------------------------------------------------

const WITH_HOST: RouteOptions = { gateway: "gw", namespace: "testing", host: "gw.example.com" };
const NO_HOST: RouteOptions = { gateway: "gw", namespace: "testing", host: null };
const URL_REWRITE = {
  type: "URLRewrite",
  urlRewrite: { path: { type: "ReplacePrefixMatch", replacePrefixMatch: "/" } },
};
const hsts = (maxAge: number) => ({
  type: "ResponseHeaderModifier",
  responseHeaderModifier: {
    add: [{ name: "Strict-Transport-Security", value: `max-age=${maxAge}` }],
  },
});

Deno.test("an HTTP forwarding route has exactly the Python charm's shape (§5.4)", () => {
  const route = renderForwardingRoute(WITH_HOST, WEB, "http", null);
  assert.deepEqual(route, {
    apiVersion: GATEWAY_API,
    kind: "HTTPRoute",
    metadata: { name: "gw-grafana-http" },
    spec: {
      parentRefs: [{ name: "gw", namespace: "testing", sectionName: "gw-http-gw-example-com" }],
      hostnames: ["gw.example.com"],
      rules: [{
        matches: [{ path: { type: "PathPrefix", value: "/cos-grafana" } }],
        filters: [],
        backendRefs: [{ name: "gw-grafana-service", port: 3000 }],
      }],
    },
  });
  assertAdmitted(route);
});

interface RouteSpec {
  parentRefs: { name: string; namespace: string; sectionName: string }[];
  hostnames: string[];
  rules: { matches?: unknown[]; filters: unknown[]; backendRefs?: unknown[] }[];
}
const specOf = (route: KubeObject) => route.spec as RouteSpec;

interface ForwardingCase {
  what: string;
  options: RouteOptions;
  stripPrefix: boolean;
  protocol: "http" | "https";
  maxAge: number | null;
  /** The listener the route attaches to. */
  section: string;
  filters: unknown[];
}

const FORWARDING: ForwardingCase[] = [
  {
    what: "HTTP, strip-prefix",
    options: WITH_HOST,
    stripPrefix: true,
    protocol: "http",
    maxAge: null,
    section: "gw-http-gw-example-com",
    filters: [URL_REWRITE],
  },
  {
    what: "HTTP, no hostname",
    options: NO_HOST,
    stripPrefix: false,
    protocol: "http",
    maxAge: null,
    section: "gw-http",
    filters: [],
  },
  {
    what: "HTTPS, no HSTS",
    options: WITH_HOST,
    stripPrefix: false,
    protocol: "https",
    maxAge: null,
    section: "gw-https-gw-example-com",
    filters: [],
  },
  {
    what: "HTTPS, HSTS one year",
    options: WITH_HOST,
    stripPrefix: false,
    protocol: "https",
    maxAge: 31536000,
    section: "gw-https-gw-example-com",
    filters: [hsts(31536000)],
  },
  {
    what: "HTTPS, HSTS 0",
    options: WITH_HOST,
    stripPrefix: false,
    protocol: "https",
    maxAge: 0,
    section: "gw-https-gw-example-com",
    filters: [hsts(0)],
  },
  {
    what: "HTTPS, strip-prefix and HSTS",
    options: WITH_HOST,
    stripPrefix: true,
    protocol: "https",
    maxAge: 300,
    section: "gw-https-gw-example-com",
    filters: [URL_REWRITE, hsts(300)],
  },
  {
    what: "HTTPS, no hostname",
    options: NO_HOST,
    stripPrefix: true,
    protocol: "https",
    maxAge: 10,
    section: "gw-https",
    filters: [URL_REWRITE, hsts(10)],
  },
];

for (const { what, options, stripPrefix, protocol, maxAge, section, filters } of FORWARDING) {
  const name = `gw-grafana-${protocol}`;
  Deno.test(`forwarding route, ${what}: ${name} on ${section}, filters as wanted`, () => {
    const route = renderForwardingRoute(options, { ...WEB, stripPrefix }, protocol, maxAge);
    const spec = specOf(route);
    assert.equal(route.metadata.name, name);
    assert.deepEqual(spec.parentRefs, [{ name: "gw", namespace: "testing", sectionName: section }]);
    assert.deepEqual(spec.hostnames, options.host === null ? [] : [options.host]);
    assert.deepEqual(spec.rules, [{
      matches: [{ path: { type: "PathPrefix", value: "/cos-grafana" } }],
      filters,
      backendRefs: [{ name: "gw-grafana-service", port: 3000 }],
    }]);
    assertAdmitted(route);
  });
}

Deno.test("a forwarding route for a long application name is accepted by the API", () => {
  const backend = { model: "a-long-model-name", app: `app-${"x".repeat(46)}`, port: 8080 };
  const route = renderForwardingRoute(
    { gateway: "gateway-api-integrator", namespace: "a-long-model-name", host: "gw.example.com" },
    { ...backend, stripPrefix: true },
    "https",
    31536000,
  );
  assert.ok(route.metadata.name.length <= 63);
  const spec = specOf(route);
  assert.deepEqual(spec.rules[0].backendRefs, [{
    name: renderService("gateway-api-integrator", { ...backend, stripPrefix: true }).metadata.name,
    port: 8080,
  }]);
  assertAdmitted(route);
});

// --- Redirect route ------------------------------------------------------------------------------

Deno.test("the redirect route is one rule: RequestRedirect https 301, no matches, no backends", () => {
  const route = renderRedirectRoute(WITH_HOST);
  assert.deepEqual(route, {
    apiVersion: GATEWAY_API,
    kind: "HTTPRoute",
    metadata: { name: "gw-http-redirect" },
    spec: {
      parentRefs: [{ name: "gw", namespace: "testing", sectionName: "gw-http-gw-example-com" }],
      hostnames: ["gw.example.com"],
      rules: [{
        filters: [{
          type: "RequestRedirect",
          requestRedirect: { scheme: "https", statusCode: 301 },
        }],
      }],
    },
  });
  assertAdmitted(route);
});

Deno.test("the redirect route without a hostname attaches to <app>-http and has no hostnames", () => {
  const route = renderRedirectRoute(NO_HOST);
  assert.deepEqual(specOf(route).parentRefs, [
    { name: "gw", namespace: "testing", sectionName: "gw-http" },
  ]);
  assert.deepEqual(specOf(route).hostnames, []);
  assertAdmitted(route);
});
