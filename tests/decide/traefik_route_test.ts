/**
 * The traefik-route section of the decision, World in → Outcome out: listeners, routes and
 * Services of each requirer, its provider data, a requirer the API refused left out whole, name
 * clashes with ingress objects refused, and (property) a requirer served the same whatever
 * another one sends.
 */
import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import type { CharmConfig } from "../../src/config.ts";
import { decide } from "../../src/decide/decide.ts";
import type { KubeObject } from "../../src/k8s/types.ts";
import type { Outcome } from "../../src/outcome.ts";
import type {
  CertificatesWorld,
  IngressRequirer,
  PerUnitRequirer,
  TraefikRouteRequirer,
} from "../../src/world.ts";
import { DEFAULT_ROUTING } from "../../src/routing_config.ts";
import { check, fc } from "../properties.ts";
import { reconcileWorld, rel } from "./worlds.ts";

const CONFIG: CharmConfig = {
  externalHostname: null,
  gatewayClass: "cilium",
  enforceHttps: false,
  hstsMaxAge: 31536000,
};

function traefik(
  id: number,
  app: string,
  config: Record<string, unknown>,
  staticConfig: Record<string, unknown> | null = null,
): TraefikRouteRequirer {
  return {
    relation: rel(id, "traefik-route"),
    app,
    units: [`${app}/0`],
    request: { config, static: staticConfig, raw: false },
    error: null,
    current: {},
  };
}

const hockeypuck = (id = 1, app = "hockeypuck", port = 11370) =>
  traefik(id, app, {
    tcp: {
      routers: { r: { rule: "HostSNI(`*`)", entryPoints: ["recon"], service: "s" } },
      services: {
        s: {
          loadBalancer: {
            servers: [{ address: `${app}-0.${app}-endpoints.testing.svc.cluster.local:${port}` }],
          },
        },
      },
    },
  }, { entryPoints: { recon: { address: `:${port}` } } });

const objects = (outcome: Outcome, kind: string): KubeObject[] =>
  outcome.cluster?.sets.find((set) => set.kind.kind === kind)?.objects as KubeObject[] ?? [];
const listenerNames = (outcome: Outcome) =>
  (objects(outcome, "Gateway")[0].spec as { listeners: { name: string }[] }).listeners.map((l) =>
    l.name
  );

Deno.test("a TCP requirer gets its listener, TCPRoute, Service and provider data", () => {
  const outcome = decide(
    reconcileWorld({ config: CONFIG, traefikRoutes: [hockeypuck()], addresses: ["10.0.0.9"] }),
  );
  deepStrictEqual(listenerNames(outcome), ["gw-http", "gw-hockeypuck-tcp-11370"]);
  deepStrictEqual(objects(outcome, "TCPRoute").map((r) => r.metadata.name), [
    "gw-hockeypuck-r-11370",
  ]);
  deepStrictEqual(objects(outcome, "Service").map((s) => s.metadata.name), [
    "gw-hockeypuck-tr-11370",
  ]);
  deepStrictEqual(outcome.writes, [{
    relation: rel(1, "traefik-route"),
    data: { external_host: "10.0.0.9", scheme: "http" },
    needsObjects: true,
  }]);
  strictEqual(outcome.status?.status, "active");
});

Deno.test("provider data: the hostname and https when HTTPS is enforced; unchanged keys are not written", () => {
  const requirer = { ...hockeypuck(), current: { external_host: "10.0.0.9", scheme: "http" } };
  const same = decide(
    reconcileWorld({ config: CONFIG, traefikRoutes: [requirer], addresses: ["10.0.0.9"] }),
  );
  deepStrictEqual(same.writes, []);
  const named = decide(reconcileWorld({
    config: { ...CONFIG, externalHostname: "gw.example.com" },
    traefikRoutes: [requirer],
    addresses: ["10.0.0.9"],
  }));
  deepStrictEqual(named.writes.map((w) => w.data), [{ external_host: "gw.example.com" }]);
  const ipv6 = decide(
    reconcileWorld({ config: CONFIG, traefikRoutes: [hockeypuck()], addresses: ["fd00::1"] }),
  );
  deepStrictEqual(ipv6.writes.map((w) => w.data), [{ external_host: "fd00::1", scheme: "http" }]);
});

Deno.test("a requirer whose TCPRoute the API refused is left out whole; the other is served", () => {
  const world = reconcileWorld({
    config: CONFIG,
    traefikRoutes: [hockeypuck(1, "bad", 7000), hockeypuck(2, "good", 7001)],
    addresses: ["10.0.0.9"],
  });
  const outcome = decide({
    ...world,
    refused: [{ object: "TCPRoute/gw-bad-r-7000", detail: "TCPRoute/gw-bad-r-7000: spec: no" }],
  });
  deepStrictEqual(listenerNames(outcome), ["gw-http", "gw-good-tcp-7001"]);
  deepStrictEqual(objects(outcome, "Service").map((s) => s.metadata.name), ["gw-good-tr-7001"]);
  deepStrictEqual(outcome.status, {
    status: "blocked",
    message:
      "Kubernetes rejected the objects of traefik-route bad: TCPRoute/gw-bad-r-7000: spec: no",
  });
});

Deno.test("an object name an ingress requirer owns refuses the traefik-route requirer", () => {
  const ingress: IngressRequirer = {
    relation: rel(9),
    app: "x-tr-web",
    backend: { model: "testing", app: "x-tr-web", port: 8080, stripPrefix: false },
    error: null,
    pending: false,
    currentUrl: null,
    databag: {},
  };
  const http = traefik(1, "x", {
    http: {
      routers: { web: { rule: "PathPrefix(`/x`)", service: "s" } },
      services: {
        s: { loadBalancer: { servers: [{ url: "http://x-0.x-endpoints.testing.svc:80" }] } },
      },
    },
  });
  const outcome = decide(
    reconcileWorld({ config: CONFIG, ingress: [ingress], traefikRoutes: [http] }),
  );
  deepStrictEqual(objects(outcome, "HTTPRoute").map((r) => r.metadata.name), [
    "gw-x-tr-web-http",
  ]);
  deepStrictEqual(
    objects(outcome, "HTTPRoute")[0].spec && (objects(outcome, "HTTPRoute")[0].spec as {
      rules: { matches: unknown }[];
    }).rules[0].matches,
    [{ path: { type: "PathPrefix", value: "/testing-x-tr-web" } }],
    "the ingress requirer's route is the one built",
  );
  ok(
    outcome.status?.message.includes(
      "x: its object HTTPRoute/gw-x-tr-web-http is already ingress requirer x-tr-web's",
    ),
    String(outcome.status?.message),
  );
});

Deno.test("a router on an ingress requirer's path (or below it) is refused; a shorter prefix is not", () => {
  const web: IngressRequirer = {
    relation: rel(9),
    app: "web",
    backend: { model: "testing", app: "web", port: 8080, stripPrefix: false },
    error: null,
    pending: false,
    currentUrl: null,
    databag: {},
  };
  const router = (rule: string) =>
    traefik(1, "evil", {
      http: {
        routers: { r: { rule, service: "s" } },
        services: {
          s: {
            loadBalancer: { servers: [{ url: "http://evil-0.evil-endpoints.testing.svc:80" }] },
          },
        },
      },
    });
  const routes = (rule: string, config: CharmConfig = CONFIG) => {
    const outcome = decide(
      reconcileWorld({ config, ingress: [web], traefikRoutes: [router(rule)] }),
    );
    return {
      names: objects(outcome, "HTTPRoute").map((r) => r.metadata.name),
      message: String(outcome.status?.message),
    };
  };
  const hosted = { ...CONFIG, externalHostname: "gw.example.com" };
  for (
    const [rule, config] of [
      ["PathPrefix(`/testing-web`)", CONFIG],
      ["PathPrefix(`/testing-web/`)", CONFIG],
      ["Path(`/testing-web/api`)", CONFIG],
      ["Host(`gw.example.com`) && PathPrefix(`/testing-web`)", hosted],
      ["Host(`GW.example.com`) && PathPrefix(`/testing-web/admin`)", hosted],
      ["PathPrefix(`/testing-web`)", hosted],
      // A wildcard host covers the hosts below it.
      ["Host(`*.example.com`) && PathPrefix(`/testing-web/x`)", hosted],
    ] as const
  ) {
    const { names, message } = routes(rule, config);
    deepStrictEqual(names, ["gw-web-http"], rule);
    ok(
      /^Invalid traefik-route relation data: evil: router r \((PathPrefix|Exact) \/testing-web(\/[a-z]*)?\) would take requests( on gw\.example\.com)? under \/testing-web, where web is served$/
        .test(message),
      `${rule}: ${message}`,
    );
  }
  // Elsewhere, or on a shorter prefix (which takes only what web is not served), it is served.
  for (
    const [rule, config] of [
      ["PathPrefix(`/`)", CONFIG],
      ["PathPrefix(`/testing-webs`)", CONFIG],
      ["Host(`other.example.com`) && PathPrefix(`/testing-web`)", hosted],
      ["Host(`*.example.org`) && PathPrefix(`/testing-web`)", hosted],
    ] as const
  ) {
    const { names } = routes(rule, config);
    ok(names.includes("gw-evil-tr-r-http"), `${rule}: ${names}`);
  }
  // In subdomain mode the requirer's whole host is its own.
  const sub = { ...hosted, routing: { ...DEFAULT_ROUTING, mode: "subdomain" as const } };
  deepStrictEqual(routes("Host(`testing-web.gw.example.com`) && PathPrefix(`/x`)", sub).names, [
    "gw-web-http",
  ]);
  deepStrictEqual(routes("Host(`*.gw.example.com`) && PathPrefix(`/x`)", sub).names, [
    "gw-web-http",
  ]);
});

Deno.test("a router no listener carries is logged: websecure only without a certificates relation", () => {
  const secure = traefik(1, "app", {
    http: {
      routers: {
        r: { rule: "PathPrefix(`/app`)", entryPoints: ["websecure"], service: "s" },
        both: { rule: "PathPrefix(`/both`)", service: "s" },
      },
      services: {
        s: { loadBalancer: { servers: [{ url: "http://app-0.app-endpoints.testing.svc:80" }] } },
      },
    },
  });
  const outcome = decide(reconcileWorld({ config: CONFIG, traefikRoutes: [secure] }));
  deepStrictEqual(objects(outcome, "HTTPRoute").map((r) => r.metadata.name), [
    "gw-app-tr-both-http",
  ]);
  // Said in the log (grafana sends a websecure twin of every router): the status is not Blocked.
  ok(
    outcome.logs.some((log) =>
      log.level === "WARNING" &&
      log.message === "traefik-route routers no listener carries (the Gateway has no HTTPS " +
          "listener without a certificates relation): app: router r is on websecure only"
    ),
    JSON.stringify(outcome.logs),
  );
  ok(outcome.status?.status !== "blocked", JSON.stringify(outcome.status));
});

Deno.test("an object name a per-unit requirer's unit owns refuses the traefik-route requirer", () => {
  const perUnit: PerUnitRequirer = {
    relation: rel(8, "ingress-per-unit"),
    app: "a-tr",
    units: [{
      unit: "a-tr/5",
      request: {
        unit: "a-tr/5",
        model: "testing",
        host: "a-tr-5.a-tr-endpoints.testing.svc.cluster.local",
        port: 8080,
        mode: "http",
        scheme: "http",
        stripPrefix: false,
        redirectHttps: false,
      },
      error: null,
    }],
    error: null,
    current: undefined,
    currentUrls: null,
  };
  const http = traefik(1, "a", {
    http: {
      routers: { "5": { rule: "PathPrefix(`/a`)", service: "s" } },
      services: {
        s: { loadBalancer: { servers: [{ url: "http://a-0.a-endpoints.testing.svc:80" }] } },
      },
    },
  });
  const outcome = decide(
    reconcileWorld({ config: CONFIG, ingressPerUnit: [perUnit], traefikRoutes: [http] }),
  );
  deepStrictEqual(objects(outcome, "HTTPRoute").map((r) => r.metadata.name), ["gw-a-tr-5-http"]);
  ok(
    String(outcome.status?.message).includes(
      "a: its object HTTPRoute/gw-a-tr-5-http is already ingress-per-unit unit a-tr/5's",
    ),
    String(outcome.status?.message),
  );
});

Deno.test("with HTTPS enforced, HTTP is redirected for traefik-route HTTP routers too", () => {
  const http = traefik(1, "blog", {
    http: {
      routers: { web: { rule: "PathPrefix(`/blog`)", service: "s" } },
      services: {
        s: { loadBalancer: { servers: [{ url: "http://blog-0.blog-endpoints.testing.svc:80" }] } },
      },
    },
  });
  const certificates: CertificatesWorld = {
    relation: rel(5, "certificates"),
    providerApp: "ca",
    privateKey: "-----BEGIN RSA PRIVATE KEY-----\nKEY\n-----END RSA PRIVATE KEY-----",
    keyCreated: false,
    requests: [],
    provided: [],
    errors: [],
    ownUnreadable: false,
    warnings: [],
  };
  const enforced = { ...CONFIG, enforceHttps: true };
  const outcome = decide(reconcileWorld({ config: enforced, traefikRoutes: [http], certificates }));
  deepStrictEqual(objects(outcome, "HTTPRoute").map((r) => r.metadata.name), ["gw-http-redirect"]);
  const tcpOnly = decide(
    reconcileWorld({ config: enforced, traefikRoutes: [hockeypuck()], certificates }),
  );
  deepStrictEqual(objects(tcpOnly, "HTTPRoute"), [], "no HTTP router, no redirect");
});

// --- property ---

const json: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: "small" },
    fc.string({ maxLength: 8 }),
    fc.integer(),
    fc.boolean(),
    fc.array(tie("value"), { maxLength: 3 }),
    fc.dictionary(
      fc.constantFrom("routers", "services", "r", "s", "rule", "entryPoints", "loadBalancer"),
      tie("value"),
      { maxKeys: 3 },
    ),
  ),
})).value;

Deno.test("property: a requirer is served the same whatever another requirer sends", () =>
  check(
    fc.property(
      fc.dictionary(fc.constantFrom("http", "tcp", "udp"), json, { maxKeys: 3 }),
      fc.option(fc.dictionary(fc.constantFrom("entryPoints"), json), { nil: null }),
      (config, staticConfig) => {
        const alone = decide(
          reconcileWorld({
            config: CONFIG,
            traefikRoutes: [hockeypuck()],
            addresses: ["10.0.0.9"],
          }),
        );
        const withOther = decide(reconcileWorld({
          config: CONFIG,
          traefikRoutes: [hockeypuck(), traefik(2, "other", config, staticConfig)],
          addresses: ["10.0.0.9"],
        }));
        const mine = (outcome: Outcome) => ({
          listeners: listenerNames(outcome).filter((name) => name.includes("hockeypuck")),
          routes: objects(outcome, "TCPRoute").filter((r) =>
            r.metadata.name.includes("hockeypuck")
          ),
          services: objects(outcome, "Service").filter((s) =>
            s.metadata.name.includes("hockeypuck")
          ),
          writes: outcome.writes.filter((w) => w.relation.id === 1),
        });
        deepStrictEqual(mine(withOther), mine(alone));
      },
    ),
    300,
  ));
