/**
 * Black-box ingress scenarios: the packed charm against the fake hook tools and the fake
 * Kubernetes API server. State goes in, the hook runs, and the databags, statuses and cluster
 * objects that come out are checked.
 */
import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import { type Cluster, startCluster } from "./cluster.ts";
import type { HookEvent, HookResult, JujuState, RelationState } from "./harness/juju/state.ts";
import { packedCharmDir, runHook } from "./harness/runner.ts";
import type { KubeObject } from "../src/k8s/types.ts";
import { ok0 } from "./blackbox.ts";

const APP = "gateway-api-integrator";
const TRUST =
  "Insufficient permissions, try: `juju trust <gateway-api-integrator> --scope=cluster`";
const charmDir = await packedCharmDir();

const CONFIG = { "enforce-https": false, "gateway-class": "cilium" };
const CHANGED: HookEvent = { kind: "hook", name: "config-changed" };
const UPDATE: HookEvent = { kind: "hook", name: "update-status" };

function requirer(id: number, app: string, extra: Record<string, string> = {}): RelationState {
  return {
    id,
    endpoint: "gateway",
    remoteApp: app,
    remoteAppData: { model: '"testing"', name: JSON.stringify(app), port: "8080", ...extra },
    remoteUnits: {
      [`${app}/0`]: { host: JSON.stringify(`${app}-0.${app}-endpoints.testing.svc.cluster.local`) },
    },
  };
}

const CERTIFICATES: RelationState = {
  id: 90,
  endpoint: "certificates",
  remoteApp: "ca",
  remoteUnits: { "ca/0": {} },
};

async function withCluster(test: (cluster: Cluster) => Promise<void>, classes?: string[]) {
  const cluster = await startCluster({ gatewayClasses: classes });
  try {
    await test(cluster);
  } finally {
    await cluster.close();
  }
}

function run(cluster: Cluster, state: JujuState, event: HookEvent = CHANGED): Promise<HookResult> {
  return runHook(charmDir, state, event, { env: cluster.env });
}

/** The spec of a live object, typed as the test expects it. */
const specOf = <T>(object: KubeObject | undefined): T => (object as unknown as { spec: T }).spec;
const names = (objects: KubeObject[]) => objects.map((object) => object.metadata.name).sort();
const url = (result: HookResult, relationId: number) => {
  const raw = result.state.relations?.find((relation) => relation.id === relationId)?.localAppData
    ?.ingress;
  return raw === undefined ? undefined : (JSON.parse(raw) as { url: string }).url;
};
const writes = (cluster: Cluster) =>
  cluster.server.resourceRequests().filter((request) => request.method !== "GET");

Deno.test("one requirer: Gateway, Service and route are created; URL and Active once addressed", () =>
  withCluster(async (cluster) => {
    const first = ok0(
      await run(cluster, { leader: true, config: CONFIG, relations: [requirer(1, "web")] }),
    );
    deepStrictEqual(first.state.unitStatus, {
      status: "waiting",
      message: "Waiting for gateway address",
    });
    strictEqual(url(first, 1), undefined, "no URL before the Gateway has an address");
    deepStrictEqual(names(cluster.objects("Gateway")), [APP]);
    deepStrictEqual(names(cluster.objects("Service")), [`${APP}-web-service`]);
    deepStrictEqual(names(cluster.objects("HTTPRoute")), [`${APP}-web-http`]);
    const service = specOf<{ ports: unknown[]; selector: unknown }>(cluster.objects("Service")[0]);
    deepStrictEqual(service.selector, { "app.kubernetes.io/name": "web" });
    deepStrictEqual(service.ports, [{
      port: 8080,
      name: "tcp-8080",
      targetPort: 8080,
      protocol: "TCP",
    }]);

    cluster.setGatewayAddresses(APP, [{ value: "10.0.0.9" }]);
    const second = ok0(await run(cluster, first.state, UPDATE));
    deepStrictEqual(second.state.unitStatus, {
      status: "active",
      message: "Gateway addresses: 10.0.0.9 (enforce-https is set to false)",
    });
    strictEqual(url(second, 1), "http://10.0.0.9/testing-web");
  }));

Deno.test("many requirers each get their own Service, route and URL on the one Gateway", () =>
  withCluster(async (cluster) => {
    cluster.server.resetLog();
    const relations = [
      requirer(1, "web"),
      requirer(2, "api", { "strip-prefix": "true" }),
      requirer(3, "admin"),
    ];
    const state = {
      leader: true,
      config: { ...CONFIG, "external-hostname": "gw.example.com" },
      relations,
    };
    const result = ok0(await run(cluster, state));
    deepStrictEqual(names(cluster.objects("Gateway")), [APP]);
    deepStrictEqual(names(cluster.objects("Service")), [
      `${APP}-admin-service`,
      `${APP}-api-service`,
      `${APP}-web-service`,
    ]);
    deepStrictEqual(names(cluster.objects("HTTPRoute")), [
      `${APP}-admin-http`,
      `${APP}-api-http`,
      `${APP}-web-http`,
    ]);
    strictEqual(url(result, 1), "http://gw.example.com/testing-web");
    strictEqual(url(result, 2), "http://gw.example.com/testing-api");
    strictEqual(url(result, 3), "http://gw.example.com/testing-admin");
    const api = specOf<{ rules: { filters: { type: string }[] }[]; hostnames: string[] }>(
      cluster.objects("HTTPRoute").find((route) => route.metadata.name === `${APP}-api-http`),
    );
    deepStrictEqual(api.rules[0].filters.map((filter) => filter.type), ["URLRewrite"]);
    deepStrictEqual(api.hostnames, ["gw.example.com"]);
  }));

Deno.test("invalid requirer data blocks only that relation and says which application and why", () =>
  withCluster(async (cluster) => {
    const bad = requirer(2, "broken", { port: '"8080"' });
    const state = { leader: true, config: CONFIG, relations: [requirer(1, "web"), bad] };
    ok0(await run(cluster, state));
    cluster.setGatewayAddresses(APP, [{ value: "10.0.0.9" }]);
    const result = ok0(await run(cluster, state, UPDATE));
    deepStrictEqual(result.state.unitStatus, {
      status: "blocked",
      message:
        'Validation of ingress relation data failed. broken: application field "port" must be an integer',
    });
    strictEqual(url(result, 1), "http://10.0.0.9/testing-web");
    strictEqual(url(result, 2), undefined);
    deepStrictEqual(names(cluster.objects("Service")), [`${APP}-web-service`]);
  }));

Deno.test("a requirer on another requirer's path is refused alone; the first keeps it", () =>
  withCluster(async (cluster) => {
    // Model testing-my and application app: /testing-my-app, which my-app of testing has.
    const theirs = {
      ...requirer(2, "app"),
      remoteAppData: { model: '"testing-my"', name: '"app"', port: "8080" },
      remoteUnits: { "app/0": { host: '"app-0.app-endpoints"', ip: '"10.1.2.3"' } },
    };
    const state = { leader: true, config: CONFIG, relations: [requirer(1, "my-app"), theirs] };
    ok0(await run(cluster, state));
    cluster.setGatewayAddresses(APP, [{ value: "10.0.0.9" }]);
    const result = ok0(await run(cluster, state, UPDATE));
    deepStrictEqual(result.state.unitStatus, {
      status: "blocked",
      message: "Cannot serve app: path /testing-my-app is already served for my-app",
    });
    strictEqual(url(result, 1), "http://10.0.0.9/testing-my-app");
    strictEqual(url(result, 2), undefined);
    deepStrictEqual(names(cluster.objects("HTTPRoute")), [`${APP}-my-app-http`]);
    deepStrictEqual(names(cluster.objects("Service")), [`${APP}-my-app-service`]);
  }));

Deno.test("a requirer that has not written its data yet is waited for, not blocked", () =>
  withCluster(async (cluster) => {
    const relation = { ...requirer(1, "web"), remoteUnits: { "web/0": {} } };
    const first = ok0(
      await run(cluster, {
        leader: true,
        config: CONFIG,
        relations: [relation, requirer(2, "api")],
      }),
    );
    cluster.setGatewayAddresses(APP, [{ value: "10.0.0.9" }]);
    const result = ok0(await run(cluster, first.state, UPDATE));
    deepStrictEqual(result.state.unitStatus, {
      status: "waiting",
      message: "Waiting for ingress data from web",
    });
    strictEqual(url(result, 1), undefined);
    strictEqual(url(result, 2), "http://10.0.0.9/testing-api");
  }));

Deno.test("a broken relation's objects are deleted and the others stay", () =>
  withCluster(async (cluster) => {
    const relations = [requirer(1, "web"), requirer(2, "api")];
    const first = ok0(await run(cluster, { leader: true, config: CONFIG, relations }));
    const dying = first.state.relations!.map((
      r,
    ) => (r.id === 2 ? { ...r, remoteUnits: {}, dying: true } : r));
    ok0(
      await run(cluster, { ...first.state, relations: dying }, {
        kind: "relation",
        name: "broken",
        relationId: 2,
      }),
    );
    deepStrictEqual(names(cluster.objects("Service")), [`${APP}-web-service`]);
    deepStrictEqual(names(cluster.objects("HTTPRoute")), [`${APP}-web-http`]);
    deepStrictEqual(names(cluster.objects("Gateway")), [APP]);
  }));

Deno.test("a second identical hook makes no API writes and no relation writes", () =>
  withCluster(async (cluster) => {
    const state = {
      leader: true,
      config: CONFIG,
      relations: [requirer(1, "web"), requirer(2, "api")],
    };
    const first = ok0(await run(cluster, state));
    cluster.setGatewayAddresses(APP, [{ value: "10.0.0.9" }]);
    const second = ok0(await run(cluster, first.state, UPDATE));
    cluster.server.resetLog();
    const third = ok0(await run(cluster, second.state, UPDATE));
    deepStrictEqual(writes(cluster), []);
    deepStrictEqual(third.toolCalls.filter((call) => call.tool === "relation-set"), []);
    deepStrictEqual(third.state.unitStatus, second.state.unitStatus);
  }));

for (
  const [name, addresses, expectedUrl, status] of [
    [
      "IPv6",
      [{ value: "fd00::10" }],
      "http://[fd00::10]/testing-web",
      "Gateway addresses: fd00::10",
    ],
    [
      "a load balancer hostname",
      [{ type: "Hostname", value: "lb-1.elb.example.com" }],
      "http://lb-1.elb.example.com/testing-web",
      "Gateway addresses: lb-1.elb.example.com",
    ],
    [
      "several addresses",
      [{ value: "10.0.0.9" }, { value: "fd00::10" }],
      "http://10.0.0.9/testing-web",
      "Gateway addresses: 10.0.0.9 fd00::10",
    ],
  ] as const
) {
  Deno.test(`a Gateway address that is ${name} gives a URL and Active status`, () =>
    withCluster(async (cluster) => {
      const state = { leader: true, config: CONFIG, relations: [requirer(1, "web")] };
      const first = ok0(await run(cluster, state));
      cluster.setGatewayAddresses(APP, [...addresses]);
      const result = ok0(await run(cluster, first.state, UPDATE));
      strictEqual(url(result, 1), expectedUrl);
      deepStrictEqual(result.state.unitStatus, {
        status: "active",
        message: `${status} (enforce-https is set to false)`,
      });
    }));
}

Deno.test("an address that is neither IP nor host name blocks as the Python charm does", () =>
  withCluster(async (cluster) => {
    const first = ok0(await run(cluster, { leader: true, config: CONFIG }));
    cluster.setGatewayAddresses(APP, [{ type: "NamedAddress", value: "not a host!" }]);
    const result = ok0(await run(cluster, first.state, UPDATE));
    deepStrictEqual(result.state.unitStatus, {
      status: "blocked",
      message: "Gateway reported unsupported address",
    });
  }));

Deno.test("with enforce-https: redirect and HTTPS routes with HSTS and https:// URLs before the certificate", () =>
  withCluster(async (cluster) => {
    const state = {
      leader: true,
      config: {
        "gateway-class": "cilium",
        "external-hostname": "GW.Example.com",
        "hsts-max-age": 0,
      },
      relations: [requirer(1, "web"), CERTIFICATES],
    };
    const first = ok0(await run(cluster, state));
    cluster.setGatewayAddresses(APP, [{ value: "10.0.0.9" }]);
    const result = ok0(await run(cluster, first.state, UPDATE));
    deepStrictEqual(result.state.unitStatus, {
      status: "waiting",
      message: "Waiting for TLS certificates to be issued.",
    });
    strictEqual(url(result, 1), "https://gw.example.com/testing-web");
    deepStrictEqual(names(cluster.objects("HTTPRoute")), [
      `${APP}-http-redirect`,
      `${APP}-web-https`,
    ]);
    const https = specOf<{ rules: { filters: unknown[] }[] }>(
      cluster.objects("HTTPRoute").find((r) => r.metadata.name === `${APP}-web-https`),
    );
    deepStrictEqual(https.rules[0].filters, [{
      type: "ResponseHeaderModifier",
      responseHeaderModifier: { add: [{ name: "Strict-Transport-Security", value: "max-age=0" }] },
    }]);
  }));

const CONFIG_ERRORS: [string, JujuState, string][] = [
  [
    "enforce-https without certificates",
    { leader: true, config: { "gateway-class": "cilium" } },
    "Certificates relation is needed if enforce-https is enabled.",
  ],
  [
    "ingress and gateway-route together",
    {
      leader: true,
      config: CONFIG,
      relations: [requirer(1, "web"), {
        id: 5,
        endpoint: "gateway-route",
        remoteApp: "cfg",
        remoteUnits: {},
      }],
    },
    "Both Ingress and Gateway Route integrations are established. Only one is allowed.",
  ],
  [
    "an invalid external-hostname",
    { leader: true, config: { ...CONFIG, "external-hostname": "-bad-.example.com" } },
    'Invalid external-hostname "-bad-.example.com": not a valid domain name',
  ],
  [
    "external-hostname with gateway-route",
    {
      leader: true,
      config: { ...CONFIG, "external-hostname": "gw.example.com" },
      relations: [{ id: 5, endpoint: "gateway-route", remoteApp: "cfg", remoteUnits: {} }],
    },
    "external-hostname must only be set when related via ingress, not when integrating via gateway-route.",
  ],
  [
    "an unknown gateway class",
    { leader: true, config: { ...CONFIG, "gateway-class": "nginx" } },
    "Gateway class must be one of: [cilium,istio]",
  ],
  [
    "no gateway class",
    { leader: true, config: { "enforce-https": false } },
    "Gateway class must be one of: [cilium,istio]",
  ],
  [
    "ingress with certificates but no hostname",
    {
      leader: true,
      config: { "gateway-class": "cilium" },
      relations: [requirer(1, "web"), CERTIFICATES],
    },
    "external-hostname must be set in when related to ingress and certificates",
  ],
  [
    "a negative hsts-max-age",
    { leader: true, config: { ...CONFIG, "hsts-max-age": -1 } },
    "invalid configuration: hsts_max_age",
  ],
];

for (const [name, state, message] of CONFIG_ERRORS) {
  Deno.test(`blocked with the Python charm's message for ${name}`, () =>
    withCluster(async (cluster) => {
      const result = ok0(await run(cluster, state));
      deepStrictEqual(result.state.unitStatus, { status: "blocked", message });
    }, ["cilium", "istio"]));
}

Deno.test("becoming invalid removes routes and Services and wipes URLs, keeping the Gateway", () =>
  withCluster(async (cluster) => {
    const state = { leader: true, config: CONFIG, relations: [requirer(1, "web")] };
    const first = ok0(await run(cluster, state));
    cluster.setGatewayAddresses(APP, [{ value: "10.0.0.9" }]);
    const second = ok0(await run(cluster, first.state, UPDATE));
    strictEqual(url(second, 1), "http://10.0.0.9/testing-web");
    const blocked = ok0(
      await run(cluster, { ...second.state, config: { ...CONFIG, "hsts-max-age": -5 } }),
    );
    deepStrictEqual(blocked.state.unitStatus, {
      status: "blocked",
      message: "invalid configuration: hsts_max_age",
    });
    strictEqual(url(blocked, 1), undefined);
    deepStrictEqual(cluster.objects("HTTPRoute"), []);
    deepStrictEqual(cluster.objects("Service"), []);
    deepStrictEqual(names(cluster.objects("Gateway")), [APP]);
  }));

Deno.test("any 403 from the API blocks with the trust message", () =>
  withCluster(async (cluster) => {
    cluster.server.deny({ verb: "list", resource: "gatewayclasses" });
    const result = ok0(await run(cluster, { leader: true, config: CONFIG }));
    deepStrictEqual(result.state.unitStatus, { status: "blocked", message: TRUST });
    cluster.server.clearRules();
    cluster.server.deny({ verb: "patch", resource: "services" });
    const again = ok0(
      await run(cluster, { leader: true, config: CONFIG, relations: [requirer(1, "web")] }),
    );
    deepStrictEqual(again.state.unitStatus, { status: "blocked", message: TRUST });
  }));

Deno.test("an unreachable API fails the hook so Juju retries it", () =>
  withCluster(async (cluster) => {
    cluster.server.fault({ method: "GET", status: 503 });
    const result = await run(cluster, { leader: true, config: CONFIG });
    strictEqual(result.exitCode, 1);
    ok(
      result.logs.some((log) => log.level === "ERROR" && log.message.includes("unavailable")),
      JSON.stringify(result.logs),
    );
  }));

Deno.test("a Service name clash with someone else's object blocks naming the object", () =>
  withCluster(async (cluster) => {
    cluster.server.seed({
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: `${APP}-web-service`, namespace: "testing" },
      spec: { ports: [{ port: 1 }] },
    });
    const result = ok0(
      await run(cluster, { leader: true, config: CONFIG, relations: [requirer(1, "web")] }),
    );
    deepStrictEqual(result.state.unitStatus, {
      status: "blocked",
      message:
        `Service testing/${APP}-web-service already exists and is not managed by ${APP}: remove or rename it`,
    });
  }));

Deno.test("long application names give valid names of at most 63 characters", () =>
  withCluster(async (cluster) => {
    const app = "a-very-long-application-name-that-goes-on-and-on-forever";
    const result = ok0(
      await run(cluster, { leader: true, config: CONFIG, relations: [requirer(1, app)] }),
    );
    strictEqual(result.state.unitStatus?.status, "waiting");
    for (const object of [...cluster.objects("Service"), ...cluster.objects("HTTPRoute")]) {
      ok(object.metadata.name.length <= 63, object.metadata.name);
    }
  }));

Deno.test("remove deletes every owned object when the application goes away", () =>
  withCluster(async (cluster) => {
    const state = { leader: true, config: CONFIG, relations: [requirer(1, "web")] };
    const first = ok0(await run(cluster, state));
    cluster.server.seed({
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "unrelated", namespace: "testing" },
      spec: { ports: [{ port: 1 }] },
    });
    const kept = ok0(
      await run(cluster, {
        ...first.state,
        planned: { units: { [`${APP}/0`]: "dying", [`${APP}/1`]: "active" } },
      }, {
        kind: "hook",
        name: "remove",
      }),
    );
    ok(
      kept.logs.some((log) => log.message.includes("1 unit(s) remain")),
      JSON.stringify(kept.logs),
    );
    deepStrictEqual(names(cluster.objects("Gateway")), [APP]);
    ok0(
      await run(cluster, { ...first.state, relations: [], planned: { appDying: true } }, {
        kind: "hook",
        name: "remove",
      }),
    );
    deepStrictEqual(cluster.objects("Gateway"), []);
    deepStrictEqual(cluster.objects("HTTPRoute"), []);
    deepStrictEqual(names(cluster.objects("Service")), ["unrelated"]);
  }));
