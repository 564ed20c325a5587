/**
 * The routing part of the decision, state in → state out: which ingress requirers are served
 * and on which hostnames (both modes, additional hostnames), what refuses a requirer alone, when
 * the backend TLS kinds are converged, and our databag in receive-ca-cert.
 */
import { deepStrictEqual, strictEqual } from "node:assert/strict";
import type { CharmConfig } from "../../src/config.ts";
import { decideRouting, withdrawnBackendTls } from "../../src/decide/routing.ts";
import { KINDS, type KubeObject } from "../../src/k8s/types.ts";
import { DEFAULT_ROUTING, type RoutingConfig } from "../../src/routing_config.ts";
import type { IngressRequirer, ReconcileWorld } from "../../src/world.ts";
import { reconcileWorld, rel } from "./worlds.ts";

function config(routing: Partial<RoutingConfig> = {}): CharmConfig {
  return {
    externalHostname: "gw.example.com",
    gatewayClass: "cilium",
    enforceHttps: false,
    hstsMaxAge: 0,
    routing: { ...DEFAULT_ROUTING, ...routing },
  };
}

function requirer(id: number, app: string, scheme: "http" | "https" = "http"): IngressRequirer {
  return {
    relation: rel(id),
    app,
    backend: { model: "m", app, port: 80, stripPrefix: false, scheme, hosts: [`${app}-0.e.m`] },
    error: null,
    pending: false,
    currentUrl: null,
    databag: {},
  };
}

function world(
  cfg: CharmConfig,
  ingress: IngressRequirer[],
  extra: Partial<ReconcileWorld> = {},
): ReconcileWorld {
  return { ...reconcileWorld({ config: cfg, ingress }), ...extra };
}

Deno.test("path mode: the Gateway serves external-hostname and each additional hostname", () => {
  const cfg = config({ additionalHostnames: ["b.example.org", "a.example.org"] });
  const decided = decideRouting(world(cfg, [requirer(1, "web")]), cfg, [requirer(1, "web")]);
  deepStrictEqual(decided.hostnames, ["a.example.org", "b.example.org", "gw.example.com"]);
  deepStrictEqual(decided.admitted.map((r) => r.app), ["web"]);
});

Deno.test("subdomain mode: each requirer's subdomain of every hostname, none without requirers", () => {
  const cfg = config({ mode: "subdomain", additionalHostnames: ["example.org"] });
  const both = [requirer(1, "web"), requirer(2, "api")];
  deepStrictEqual(decideRouting(world(cfg, both), cfg, both).hostnames, [
    "m-api.example.org",
    "m-api.gw.example.com",
    "m-web.example.org",
    "m-web.gw.example.com",
  ]);
  deepStrictEqual(decideRouting(world(cfg, []), cfg, []).hostnames, []);
});

Deno.test("subdomain mode: a requirer whose subdomain another requirer has is refused alone", () => {
  const cfg = config({ mode: "subdomain" });
  const a = { ...requirer(1, "b-c"), backend: { ...requirer(1, "b-c").backend!, model: "a" } };
  const b = { ...requirer(2, "c"), backend: { ...requirer(2, "c").backend!, model: "a-b" } };
  const decided = decideRouting(world(cfg, [a, b]), cfg, [a, b]);
  deepStrictEqual(decided.admitted.map((r) => r.app), ["b-c"]);
  deepStrictEqual([...decided.unservable], [[
    "c",
    "subdomain a-b-c.gw.example.com is already served for b-c",
  ]]);
});

Deno.test("path mode: a requirer whose path another requirer has is refused alone", () => {
  // `testing-my` + `app` and `testing` + `my-app` are both /testing-my-app.
  const cfg = config();
  const mine = {
    ...requirer(1, "my-app"),
    backend: { ...requirer(1, "my-app").backend!, model: "testing" },
  };
  const theirs = {
    ...requirer(2, "app"),
    backend: { ...requirer(2, "app").backend!, model: "testing-my" },
  };
  const other = requirer(3, "web");
  const decided = decideRouting(world(cfg, [mine, theirs, other]), cfg, [mine, theirs, other]);
  deepStrictEqual(decided.admitted.map((r) => r.app), ["my-app", "web"]);
  deepStrictEqual([...decided.unservable], [[
    "app",
    "path /testing-my-app is already served for my-app",
  ]]);
});

Deno.test("path mode: an ingress-per-unit unit on another unit's path is refused alone", () => {
  // Unit b/0 of model m-a and unit a-b/0 of model m are both /m-a-b-0.
  const cfg = config();
  const backend = (model: string, app: string) => ({ ...requirer(1, app).backend!, model });
  const units = [
    { unit: "b/0", backend: backend("m-a", "b-0") },
    { unit: "a-b/0", backend: backend("m", "a-b-0") },
  ];
  const decided = decideRouting(world(cfg, []), cfg, [], units);
  deepStrictEqual([...decided.unservableUnits], [[
    "a-b/0",
    "path /m-a-b-0 is already served for b/0",
  ]]);
});

Deno.test("subdomain mode: a subdomain whose listener name another one has is refused alone", () => {
  // Under example.com and com, m-a-x.com (app a-x) and m-a.x.com (app a, base x.com) differ only
  // in "." and "-": their listeners would have one name.
  const cfg = {
    ...config({ mode: "subdomain", additionalHostnames: ["com"] }),
    externalHostname: "x.com",
  };
  const a = requirer(1, "a");
  const ax = requirer(2, "a-x");
  const decided = decideRouting(world(cfg, [a, ax]), cfg, [a, ax]);
  deepStrictEqual(decided.admitted.map((r) => r.app), ["a"]);
  deepStrictEqual([...decided.unservable], [[
    "a-x",
    'subdomain m-a-x.com would share its Gateway listener with "m-a.x.com", served for a: ' +
    'a listener\'s name has "-" for each "." of its hostname',
  ]]);
});

Deno.test("subdomain mode: requirers past the Gateway's 31 hostnames are refused", () => {
  const cfg = config({ mode: "subdomain" });
  const many = Array.from({ length: 33 }, (_, i) => requirer(i + 1, `app${i}`));
  const decided = decideRouting(world(cfg, many), cfg, many);
  strictEqual(decided.admitted.length, 31);
  strictEqual(decided.hostnames.length, 31);
  deepStrictEqual([...decided.unservable.keys()], ["app31", "app32"]);
});

Deno.test("subdomain mode with certificates: a subdomain past 64 characters is refused alone", () => {
  const cfg = config({ mode: "subdomain" });
  const long = requirer(2, `a${"b".repeat(50)}`);
  const w = {
    ...world(cfg, [requirer(1, "web"), long]),
    integrations: { ingress: true, gatewayRoute: false, certificates: true },
  };
  const decided = decideRouting(w, cfg, [requirer(1, "web"), long]);
  deepStrictEqual(decided.admitted.map((r) => r.app), ["web"]);
  strictEqual(
    decided.unservable.get(long.app),
    `subdomain m-${long.app}.gw.example.com is longer than 64 characters: no certificate can name it`,
  );
});

Deno.test("backend TLS kinds are converged only when gather listed them", () => {
  const cfg = config();
  const https = [requirer(1, "web", "https")];
  strictEqual(decideRouting(world(cfg, https), cfg, https).backendTls, null);
  const base = world(cfg, https);
  const cluster = base.cluster as Extract<ReconcileWorld["cluster"], { owned: unknown }>;
  const listed: ReconcileWorld = {
    ...base,
    cluster: {
      ...cluster,
      owned: new Map([
        ...cluster.owned,
        [KINDS.backendTlsPolicy.kind, []],
        [KINDS.configMap.kind, []],
      ]),
    },
    caTransfer: {
      relations: [{ relation: rel(7, "receive-ca-cert"), current: {} }],
      certificates: ["PEM"],
      warnings: ["receive-ca-cert trust: skipped x"],
    },
  };
  const decided = decideRouting(listed, cfg, https);
  deepStrictEqual(decided.backendTls, { caCertificates: ["PEM"] });
  deepStrictEqual(decided.writes, [{
    relation: rel(7, "receive-ca-cert"),
    data: { version: "1" },
    needsObjects: false,
  }]);
  deepStrictEqual(decided.logs, [{
    level: "WARNING",
    message: "receive-ca-cert trust: skipped x",
  }]);
});

Deno.test("an https requirer on a cluster without BackendTLSPolicy is refused alone", () => {
  const cfg = config();
  const both = [requirer(1, "web", "https"), requirer(2, "api")];
  const base = world(cfg, both);
  const cluster = base.cluster as Extract<ReconcileWorld["cluster"], { owned: unknown }>;
  const decided = decideRouting(
    { ...base, cluster: { ...cluster, unserved: [KINDS.backendTlsPolicy.kind] } },
    cfg,
    both,
  );
  deepStrictEqual(decided.admitted.map((r) => r.app), ["api"]);
  strictEqual(decided.unservable.has("web"), true);
});

Deno.test("withdrawing lists backend TLS only when a Service of ours speaks https", () => {
  const service = (appProtocol?: string): KubeObject => ({
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: "s" },
    spec: { ports: [{ port: 80, ...(appProtocol ? { appProtocol } : {}) }] },
  });
  deepStrictEqual(withdrawnBackendTls(new Map([[KINDS.service.kind, [service()]]])), []);
  deepStrictEqual(
    withdrawnBackendTls(new Map([[KINDS.service.kind, [service("kubernetes.io/h2c")]]])),
    [],
  );
  deepStrictEqual(
    withdrawnBackendTls(new Map([[KINDS.service.kind, [service("https")]]])).map((s) =>
      s.kind.kind
    ),
    ["BackendTLSPolicy", "ConfigMap"],
  );
});
