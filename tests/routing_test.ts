/**
 * Black-box routing scenarios (issue 13): subdomain and path modes, additional hostnames, backend
 * protocols with BackendTLSPolicy and received CAs, per-requirer HTTPS redirects, timeouts and
 * the Gateway's infrastructure — the packed charm against the fake hook tools and the fake API
 * server, whose CRD schemas (BackendTLSPolicy's included) validate every object.
 */
import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import { type Cluster, startCluster } from "./cluster.ts";
import type { HookEvent, HookResult, JujuState, RelationState } from "./harness/juju/state.ts";
import { packedCharmDir, runHook } from "./harness/runner.ts";
import { createTestCa } from "./harness/tls_ca.ts";
import { createCsr } from "../src/tls/csr.ts";
import { generatePrivateKey } from "../src/tls/keys.ts";
import { parseCsr } from "../src/tls/csr.ts";
import type { KubeObject } from "../src/k8s/types.ts";
import { parse as parseYaml } from "yaml";
import { unitData } from "./ingress_per_unit_fixtures.ts";

const APP = "gateway-api-integrator";
const HOST = "gw.example.com";
const charmDir = await packedCharmDir();
const ca = await createTestCa();

const PLAIN = { "enforce-https": false, "gateway-class": "cilium", "external-hostname": HOST };
const CHANGED: HookEvent = { kind: "hook", name: "config-changed" };
const UPDATE: HookEvent = { kind: "hook", name: "update-status" };
const CERTS_ID = 90;
const CA_ID = 95;

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
  id: CERTS_ID,
  endpoint: "certificates",
  remoteApp: "ca",
  remoteUnits: { "ca/0": {} },
};

function caTransfer(certificates: string[] | null): RelationState {
  return {
    id: CA_ID,
    endpoint: "receive-ca-cert",
    remoteApp: "trust",
    remoteUnits: { "trust/0": {} },
    remoteAppData: certificates === null
      ? {}
      : { certificates: JSON.stringify(certificates), version: "1" },
  };
}

async function withCluster(test: (cluster: Cluster) => Promise<void>, crdsDir?: string) {
  const cluster = await startCluster({ crdsDir });
  try {
    await test(cluster);
  } finally {
    await cluster.close();
  }
}

async function run(cluster: Cluster, state: JujuState, event: HookEvent = CHANGED) {
  const result = await runHook(charmDir, state, event, { env: cluster.env });
  strictEqual(result.exitCode, 0, `exit ${result.exitCode}: ${result.stderr}`);
  return result;
}

const specOf = <T>(object: KubeObject | undefined): T => (object as unknown as { spec: T }).spec;
const names = (objects: KubeObject[]) => objects.map((object) => object.metadata.name).sort();
const byName = (cluster: Cluster, kind: string, name: string) =>
  cluster.objects(kind).find((object) => object.metadata.name === name);
const url = (result: HookResult, id: number) => {
  const raw = result.state.relations?.find((r) => r.id === id)?.localAppData?.ingress;
  return raw ? (JSON.parse(raw) as { url: string }).url : undefined;
};
const listeners = (cluster: Cluster) =>
  specOf<{ listeners: { name: string; protocol: string; hostname?: string }[] }>(
    cluster.objects("Gateway")[0],
  ).listeners.map((l) => `${l.protocol} ${l.hostname ?? "*"}`).sort();
interface RouteSpec {
  parentRefs: { sectionName: string }[];
  hostnames: string[];
  rules: {
    matches?: { path: { value: string } }[];
    filters: { type: string; requestRedirect?: unknown }[];
    timeouts?: Record<string, string>;
  }[];
}
const route = (cluster: Cluster, name: string) =>
  specOf<RouteSpec>(byName(cluster, "HTTPRoute", `${APP}-${name}`));
const ourCsrNames = async (state: JujuState) => {
  const raw = state.relations!.find((r) => r.id === CERTS_ID)!.localAppData
    ?.certificate_signing_requests ?? "[]";
  const csrs = JSON.parse(raw) as { certificate_signing_request: string }[];
  const parsed = await Promise.all(csrs.map((c) => parseCsr(c.certificate_signing_request)));
  return parsed.map((csr) => csr.commonName).sort();
};
const withConfig = (
  state: JujuState,
  config: Record<string, string | number | boolean>,
): JujuState => ({
  ...state,
  config: { ...state.config, ...config },
});

/** The provider answers every CSR in our databag. */
async function issueAll(state: JujuState): Promise<JujuState> {
  const raw = state.relations!.find((r) => r.id === CERTS_ID)!.localAppData
    ?.certificate_signing_requests ?? "[]";
  const certificates: Record<string, unknown>[] = [];
  for (const { certificate_signing_request: csr } of JSON.parse(raw)) {
    const certificate = await ca.sign(csr);
    certificates.push({
      ca: ca.caPem,
      certificate_signing_request: csr,
      certificate,
      chain: [certificate, ca.caPem],
    });
  }
  return {
    ...state,
    relations: state.relations!.map((r) =>
      r.id === CERTS_ID
        ? { ...r, remoteAppData: { certificates: JSON.stringify(certificates) } }
        : r
    ),
  };
}

Deno.test("subdomain mode: each requirer gets <model>-<app>.<hostname>, its listener and route", () =>
  withCluster(async (cluster) => {
    const state: JujuState = {
      leader: true,
      config: { ...PLAIN, "routing-mode": "subdomain" },
      relations: [requirer(1, "web"), requirer(2, "api", { "strip-prefix": "true" })],
    };
    await run(cluster, state);
    cluster.setGatewayAddresses(APP, [{ value: "10.0.0.9" }]);
    const result = await run(cluster, state, UPDATE);
    strictEqual(url(result, 1), "http://testing-web.gw.example.com/");
    strictEqual(url(result, 2), "http://testing-api.gw.example.com/");
    deepStrictEqual(listeners(cluster), [
      "HTTP testing-api.gw.example.com",
      "HTTP testing-web.gw.example.com",
    ]);
    const api = route(cluster, "api-http");
    deepStrictEqual(api.hostnames, ["testing-api.gw.example.com"]);
    deepStrictEqual(api.parentRefs.map((p) => p.sectionName), [
      `${APP}-http-testing-api-gw-example-com`,
    ]);
    deepStrictEqual(api.rules[0].matches, [{ path: { type: "PathPrefix", value: "/" } }]);
    deepStrictEqual(api.rules[0].filters, [], "no prefix to strip in subdomain mode");
    deepStrictEqual(result.state.unitStatus, {
      status: "active",
      message: "Gateway addresses: 10.0.0.9 (enforce-https is set to false)",
    });
  }));

Deno.test("switching routing modes moves every URL, route and listener in one hook", () =>
  withCluster(async (cluster) => {
    const relations = [requirer(1, "web"), requirer(2, "api")];
    const path = await run(cluster, { leader: true, config: PLAIN, relations });
    cluster.setGatewayAddresses(APP, [{ value: "10.0.0.9" }]);
    const sub = await run(cluster, withConfig(path.state, { "routing-mode": "subdomain" }));
    strictEqual(url(sub, 1), "http://testing-web.gw.example.com/");
    strictEqual(url(sub, 2), "http://testing-api.gw.example.com/");
    deepStrictEqual(listeners(cluster), [
      "HTTP testing-api.gw.example.com",
      "HTTP testing-web.gw.example.com",
    ]);
    deepStrictEqual(route(cluster, "web-http").hostnames, ["testing-web.gw.example.com"]);

    const back = await run(cluster, withConfig(sub.state, { "routing-mode": "path" }));
    strictEqual(url(back, 1), "http://gw.example.com/testing-web");
    strictEqual(url(back, 2), "http://gw.example.com/testing-api");
    deepStrictEqual(listeners(cluster), [`HTTP ${HOST}`], "no subdomain listener left");
    deepStrictEqual(names(cluster.objects("HTTPRoute")), [`${APP}-api-http`, `${APP}-web-http`]);
    deepStrictEqual(route(cluster, "web-http").hostnames, [HOST]);
    deepStrictEqual(route(cluster, "web-http").rules[0].matches, [
      { path: { type: "PathPrefix", value: "/testing-web" } },
    ]);
  }));

Deno.test("subdomain mode without external-hostname blocks with a clear message", () =>
  withCluster(async (cluster) => {
    const result = await run(cluster, {
      leader: true,
      config: { "enforce-https": false, "gateway-class": "cilium", "routing-mode": "subdomain" },
      relations: [requirer(1, "web")],
    });
    deepStrictEqual(result.state.unitStatus, {
      status: "blocked",
      message:
        'routing-mode "subdomain" needs external-hostname: requirers are served at <model>-<app>.<external-hostname>',
    });
    deepStrictEqual(cluster.objects("HTTPRoute"), []);
  }));

Deno.test("subdomain mode with TLS: a CSR, Secret and HTTPS listener per subdomain follow the requirers", () =>
  withCluster(async (cluster) => {
    const config = { ...PLAIN, "routing-mode": "subdomain" };
    const first = await run(cluster, {
      leader: true,
      config,
      relations: [requirer(1, "web"), CERTIFICATES],
    });
    deepStrictEqual(await ourCsrNames(first.state), ["testing-web.gw.example.com"]);
    const issued = await run(cluster, await issueAll(first.state));
    cluster.setGatewayAddresses(APP, [{ value: "10.0.0.9" }]);
    const served = await run(cluster, issued.state, UPDATE);
    strictEqual(url(served, 1), "https://testing-web.gw.example.com/");
    deepStrictEqual(listeners(cluster), [
      "HTTP testing-web.gw.example.com",
      "HTTPS testing-web.gw.example.com",
    ]);

    // A second requirer arrives: its own CSR; the first keeps its certificate.
    const joined = await run(cluster, {
      ...served.state,
      relations: [...served.state.relations!, requirer(2, "api")],
    });
    deepStrictEqual(await ourCsrNames(joined.state), [
      "testing-api.gw.example.com",
      "testing-web.gw.example.com",
    ]);
    const both = await run(cluster, await issueAll(joined.state));
    strictEqual(url(both, 2), "https://testing-api.gw.example.com/");
    deepStrictEqual(listeners(cluster), [
      "HTTP testing-api.gw.example.com",
      "HTTP testing-web.gw.example.com",
      "HTTPS testing-api.gw.example.com",
      "HTTPS testing-web.gw.example.com",
    ]);

    // The first leaves: its CSR, Secret and listeners go.
    const leaving = both.state.relations!.map((r) =>
      r.id === 1 ? { ...r, remoteUnits: {}, dying: true } : r
    );
    const left = await run(cluster, { ...both.state, relations: leaving }, {
      kind: "relation",
      name: "broken",
      relationId: 1,
    });
    deepStrictEqual(await ourCsrNames(left.state), ["testing-api.gw.example.com"]);
    deepStrictEqual(listeners(cluster), [
      "HTTP testing-api.gw.example.com",
      "HTTPS testing-api.gw.example.com",
    ]);
    deepStrictEqual(names(cluster.objects("Secret")), [
      `${APP}-secret-testing-api.gw.example.com`,
    ]);
  }));

Deno.test("a requirer whose subdomain cannot be a listener is blocked alone", () =>
  withCluster(async (cluster) => {
    const long = "a".repeat(60);
    const state: JujuState = {
      leader: true,
      config: { ...PLAIN, "routing-mode": "subdomain" },
      relations: [requirer(1, "web"), requirer(2, long)],
    };
    await run(cluster, state);
    cluster.setGatewayAddresses(APP, [{ value: "10.0.0.9" }]);
    const result = await run(cluster, state, UPDATE);
    strictEqual(result.state.unitStatus?.status, "blocked");
    ok(
      result.state.unitStatus!.message.startsWith(
        `Cannot serve ${long}: subdomain testing-${long}.gw.example.com has a label longer than 63`,
      ),
      result.state.unitStatus!.message,
    );
    strictEqual(url(result, 1), "http://testing-web.gw.example.com/");
    strictEqual(url(result, 2), undefined);
    deepStrictEqual(names(cluster.objects("Service")), [`${APP}-web-service`]);
  }));

Deno.test("additional-hostnames: listeners, route hostnames and a certificate each", () =>
  withCluster(async (cluster) => {
    const config = { ...PLAIN, "additional-hostnames": "www.example.org, Alt.Example.com" };
    const first = await run(cluster, {
      leader: true,
      config,
      relations: [requirer(1, "web"), CERTIFICATES],
    });
    deepStrictEqual(await ourCsrNames(first.state), [
      "alt.example.com",
      HOST,
      "www.example.org",
    ]);
    const issued = await run(cluster, await issueAll(first.state));
    cluster.setGatewayAddresses(APP, [{ value: "10.0.0.9" }]);
    const result = await run(cluster, issued.state, UPDATE);
    strictEqual(url(result, 1), `https://${HOST}/testing-web`, "the URL keeps external-hostname");
    deepStrictEqual(listeners(cluster), [
      "HTTP alt.example.com",
      `HTTP ${HOST}`,
      "HTTP www.example.org",
      "HTTPS alt.example.com",
      `HTTPS ${HOST}`,
      "HTTPS www.example.org",
    ]);
    const https = route(cluster, "web-https");
    deepStrictEqual(https.hostnames, [HOST, "www.example.org", "alt.example.com"]);
    strictEqual(https.parentRefs.length, 3);
    deepStrictEqual(route(cluster, "web-http").hostnames, https.hostnames);

    // Dropping one withdraws its CSR and listeners.
    const fewer = await run(cluster, withConfig(result.state, { "additional-hostnames": "" }));
    deepStrictEqual(await ourCsrNames(fewer.state), [HOST]);
    deepStrictEqual(listeners(cluster), [`HTTP ${HOST}`, `HTTPS ${HOST}`]);
  }));

for (
  const [option, value, message] of [
    [
      "additional-hostnames",
      "ok.example.com,bad_host,x.example.com",
      'Invalid additional-hostnames "bad_host": not a valid domain name',
    ],
    ["routing-mode", "host", 'Invalid routing-mode "host": must be "path" or "subdomain"'],
    [
      "request-timeout",
      "30 seconds",
      'Invalid request-timeout "30 seconds": not a duration such as "30s", "1m30s" or "500ms"',
    ],
    [
      "backend-request-timeout",
      "1h",
      'Invalid backend-request-timeout "1h": longer than request-timeout "30s"',
    ],
    [
      "gateway-annotations",
      "metallb.universe.tf/loadBalancerIPs",
      'Invalid gateway-annotations "metallb.universe.tf/loadBalancerIPs": entry ' +
      '"metallb.universe.tf/loadBalancerIPs" is not key=value',
    ],
    [
      "gateway-labels",
      "pool=a b",
      'Invalid gateway-labels "pool=a b": value "a b" of "pool" is not a label value (at most 63 ' +
      "letters, digits, `-`, `_` or `.`, starting and ending with a letter or digit)",
    ],
    [
      "gateway-labels",
      "-bad=1",
      'Invalid gateway-labels "-bad=1": key "-bad": keys are an optional DNS subdomain prefix and ' +
      "`/`, then a name of up to 63 letters, digits, `-`, `_` or `.` that starts and ends with a " +
      "letter or digit",
    ],
  ] as const
) {
  Deno.test(`an invalid ${option} (${value}) blocks naming the option and the value`, () =>
    withCluster(async (cluster) => {
      const relations = [requirer(1, "web")];
      const good = await run(cluster, { leader: true, config: PLAIN, relations });
      const result = await run(
        cluster,
        withConfig(good.state, { "request-timeout": "30s", [option]: value }),
      );
      deepStrictEqual(result.state.unitStatus, { status: "blocked", message });
      deepStrictEqual(cluster.objects("HTTPRoute"), [], "routes withdrawn");
      strictEqual(url(result, 1), undefined, "URL withdrawn");
    }));
}

Deno.test("additional-hostnames without external-hostname blocks", () =>
  withCluster(async (cluster) => {
    const result = await run(cluster, {
      leader: true,
      config: {
        "enforce-https": false,
        "gateway-class": "cilium",
        "additional-hostnames": "www.example.org",
      },
      relations: [requirer(1, "web")],
    });
    deepStrictEqual(result.state.unitStatus, {
      status: "blocked",
      message: 'Invalid additional-hostnames "www.example.org": needs external-hostname',
    });
  }));

Deno.test("timeouts become every forwarding route's timeouts; unset leaves them out", () =>
  withCluster(async (cluster) => {
    const relations = [requirer(1, "web")];
    const config = { ...PLAIN, "request-timeout": "1m30s", "backend-request-timeout": "10s" };
    const first = await run(cluster, { leader: true, config, relations });
    deepStrictEqual(route(cluster, "web-http").rules[0].timeouts, {
      request: "1m30s",
      backendRequest: "10s",
    });
    await run(
      cluster,
      withConfig(first.state, { "request-timeout": "", "backend-request-timeout": "" }),
    );
    strictEqual(route(cluster, "web-http").rules[0].timeouts, undefined);
  }));

Deno.test("gateway-annotations and gateway-labels become the Gateway's spec.infrastructure", () =>
  withCluster(async (cluster) => {
    const config = {
      ...PLAIN,
      "gateway-annotations": "metallb.universe.tf/loadBalancerIPs=10.0.0.10, note=a=b",
      "gateway-labels": "lb-pool=public",
    };
    const first = await run(cluster, { leader: true, config, relations: [requirer(1, "web")] });
    deepStrictEqual(
      specOf<{ infrastructure: unknown }>(cluster.objects("Gateway")[0]).infrastructure,
      {
        labels: { "lb-pool": "public" },
        annotations: { "metallb.universe.tf/loadBalancerIPs": "10.0.0.10", note: "a=b" },
      },
    );
    await run(
      cluster,
      withConfig(first.state, { "gateway-annotations": "", "gateway-labels": "" }),
    );
    strictEqual(
      specOf<{ infrastructure?: unknown }>(cluster.objects("Gateway")[0]).infrastructure,
      undefined,
    );
  }));

Deno.test("scheme h2c and https set the Service's appProtocol; https gets a BackendTLSPolicy", () =>
  withCluster(async (cluster) => {
    const relations = [
      requirer(1, "web", { scheme: '"https"' }),
      requirer(2, "grpc", { scheme: '"h2c"' }),
      requirer(3, "plain"),
    ];
    await run(cluster, { leader: true, config: PLAIN, relations });
    const port = (name: string) =>
      specOf<{ ports: { appProtocol?: string }[] }>(
        byName(cluster, "Service", `${APP}-${name}-service`),
      ).ports[0].appProtocol;
    strictEqual(port("web"), "https");
    strictEqual(port("grpc"), "kubernetes.io/h2c");
    strictEqual(port("plain"), undefined);
    deepStrictEqual(names(cluster.objects("BackendTLSPolicy")), [`${APP}-web-backend-tls`]);
    deepStrictEqual(specOf(cluster.objects("BackendTLSPolicy")[0]), {
      targetRefs: [{ group: "", kind: "Service", name: `${APP}-web-service` }],
      validation: {
        hostname: "web-0.web-endpoints.testing.svc.cluster.local",
        wellKnownCACertificates: "System",
      },
    });
    deepStrictEqual(cluster.objects("ConfigMap"), [], "no CA received: no ConfigMap");
  }));

Deno.test("an unknown scheme blocks that requirer only", () =>
  withCluster(async (cluster) => {
    const relations = [requirer(1, "web"), requirer(2, "odd", { scheme: '"grpc"' })];
    const result = await run(cluster, { leader: true, config: PLAIN, relations });
    deepStrictEqual(result.state.unitStatus, {
      status: "blocked",
      message:
        'Validation of ingress relation data failed. odd: application field "scheme" must be "http", "https" or "h2c"',
    });
    deepStrictEqual(names(cluster.objects("Service")), [`${APP}-web-service`]);
  }));

Deno.test("received CAs go into a ConfigMap the BackendTLSPolicy references, and leave with the relation", () =>
  withCluster(async (cluster) => {
    const relations = [requirer(1, "web", { scheme: '"https"' }), caTransfer([ca.caPem])];
    const first = await run(cluster, { leader: true, config: PLAIN, relations });
    strictEqual(
      first.state.relations!.find((r) => r.id === CA_ID)!.localAppData?.version,
      "1",
      "we speak certificate_transfer v1",
    );
    const configMap = byName(cluster, "ConfigMap", `${APP}-backend-ca`) as unknown as {
      data: Record<string, string>;
    };
    strictEqual(configMap.data["ca.crt"], `${ca.caPem.trim()}\n`);
    deepStrictEqual(
      specOf<{ validation: unknown }>(cluster.objects("BackendTLSPolicy")[0]).validation,
      {
        hostname: "web-0.web-endpoints.testing.svc.cluster.local",
        caCertificateRefs: [{ group: "", kind: "ConfigMap", name: `${APP}-backend-ca` }],
      },
    );

    // Nothing to change: no API write, no relation write.
    cluster.server.resetLog();
    const again = await run(cluster, first.state, UPDATE);
    deepStrictEqual(
      cluster.server.resourceRequests().filter((request) => request.method !== "GET"),
      [],
    );
    deepStrictEqual(again.toolCalls.filter((call) => call.tool === "relation-set"), []);

    // The relation goes: the policy falls back to the system CAs and the ConfigMap is deleted.
    const broken = first.state.relations!.map((r) =>
      r.id === CA_ID ? { ...r, remoteUnits: {}, dying: true } : r
    );
    await run(cluster, { ...first.state, relations: broken }, {
      kind: "relation",
      name: "broken",
      relationId: CA_ID,
    });
    deepStrictEqual(cluster.objects("ConfigMap"), []);
    deepStrictEqual(
      specOf<{ validation: { wellKnownCACertificates?: string } }>(
        cluster.objects("BackendTLSPolicy")[0],
      ).validation.wellKnownCACertificates,
      "System",
    );
  }));

Deno.test("received CAs: only certificates go into the ConfigMap, within its size", () =>
  withCluster(async (cluster) => {
    // A block that is no certificate, one that does not parse, and 700 kB from each of two
    // providers (a ConfigMap holds 1 MiB): what is left out is said, the hook goes on.
    const junk = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----";
    const csr = await createCsr(await generatePrivateKey(), { commonName: "x.example.com" });
    const big = await Promise.all(Array.from({ length: 800 }, () => ca.sign(csr)));
    const second = { ...caTransfer(big.slice(400)), id: CA_ID + 1, remoteApp: "trust2" };
    const relations = [
      requirer(1, "web", { scheme: '"https"' }),
      caTransfer([ca.caPem, junk, ...big.slice(0, 400)]),
      { ...second, remoteUnits: { "trust2/0": {} } },
    ];
    const result = await run(cluster, { leader: true, config: PLAIN, relations });
    const configMap = byName(cluster, "ConfigMap", `${APP}-backend-ca`) as unknown as {
      data: Record<string, string>;
    };
    const kept = configMap.data["ca.crt"];
    ok(kept.startsWith(ca.caPem.trim()), "the first certificate is kept");
    ok(!kept.includes("AAAA"), "the block that does not parse is left out");
    ok(new TextEncoder().encode(kept).length <= 512 * 1024, String(kept.length));
    const warnings = result.logs.filter((log) => log.level === "WARNING").map((l) => l.message);
    ok(
      warnings.some((w) => w.startsWith("receive-ca-cert trust: skipped certificate 2: invalid")),
      JSON.stringify(warnings).slice(0, 2000),
    );
    ok(
      warnings.some((w) =>
        /^receive-ca-cert trust2: skipped \d+ certificate\(s\) past 524288/.test(w)
      ),
      JSON.stringify(warnings).slice(0, 2000),
    );
  }));

Deno.test("when the https requirer goes, its policy and the CA ConfigMap go with it", () =>
  withCluster(async (cluster) => {
    const relations = [
      requirer(1, "web", { scheme: '"https"' }),
      requirer(2, "api"),
      caTransfer([ca.caPem]),
    ];
    const first = await run(cluster, { leader: true, config: PLAIN, relations });
    strictEqual(cluster.objects("BackendTLSPolicy").length, 1);
    // The CA relation is gone and web now speaks plain HTTP: only our https Service shows that
    // a policy and a ConfigMap may exist.
    const plain = first.state.relations!.filter((r) => r.id !== CA_ID)
      .map((r) => (r.id === 1 ? requirer(1, "web") : r));
    await run(cluster, { ...first.state, relations: plain });
    deepStrictEqual(cluster.objects("BackendTLSPolicy"), []);
    deepStrictEqual(cluster.objects("ConfigMap"), []);
  }));

Deno.test("without https backends or receive-ca-cert, no BackendTLSPolicy or ConfigMap is listed", () =>
  withCluster(async (cluster) => {
    const state: JujuState = { leader: true, config: PLAIN, relations: [requirer(1, "web")] };
    const first = await run(cluster, state);
    cluster.server.resetLog();
    await run(cluster, first.state, UPDATE);
    const resources = cluster.server.resourceRequests().map((request) => request.resource);
    ok(resources.includes("services"), "the reconcile ran");
    ok(!resources.includes("backendtlspolicies"), resources.join(","));
    ok(!resources.includes("configmaps"), resources.join(","));
  }));

Deno.test("a blocked configuration withdraws the https requirer's policy with its Service", () =>
  withCluster(async (cluster) => {
    const relations = [requirer(1, "web", { scheme: '"https"' })];
    const first = await run(cluster, { leader: true, config: PLAIN, relations });
    strictEqual(cluster.objects("BackendTLSPolicy").length, 1);
    await run(cluster, withConfig(first.state, { "routing-mode": "nope" }));
    deepStrictEqual(cluster.objects("Service"), []);
    deepStrictEqual(cluster.objects("BackendTLSPolicy"), []);
  }));

Deno.test("redirect-https redirects that requirer's HTTP path once its HTTPS listener exists", () =>
  withCluster(async (cluster) => {
    const relations = [
      requirer(1, "web", { "redirect-https": "true" }),
      requirer(2, "api"),
      CERTIFICATES,
    ];
    const first = await run(cluster, { leader: true, config: PLAIN, relations });
    deepStrictEqual(
      names(cluster.objects("HTTPRoute")),
      [`${APP}-api-http`, `${APP}-web-http`],
      "no HTTPS listener yet: plain HTTP for both",
    );
    await run(cluster, await issueAll(first.state));
    // The requirer's only HTTP route is now its redirect (it keeps the HTTP route's name).
    deepStrictEqual(names(cluster.objects("HTTPRoute")), [
      `${APP}-api-http`,
      `${APP}-api-https`,
      `${APP}-web-http`,
      `${APP}-web-https`,
    ]);
    const redirect = route(cluster, "web-http");
    deepStrictEqual(redirect.hostnames, [HOST]);
    deepStrictEqual(redirect.parentRefs.map((p) => p.sectionName), [`${APP}-http-gw-example-com`]);
    deepStrictEqual(redirect.rules, [{
      matches: [{ path: { type: "PathPrefix", value: "/testing-web" } }],
      filters: [{ type: "RequestRedirect", requestRedirect: { scheme: "https", statusCode: 301 } }],
    }]);
    ok(!names(cluster.objects("HTTPRoute")).includes(`${APP}-http-redirect`), "no global redirect");
  }));

Deno.test("on a cluster without the BackendTLSPolicy CRD only the https requirer is blocked", async () => {
  const crds = new URL("../../shared/reference/data/gateway-api-crds/", import.meta.url);
  const dir = await Deno.makeTempDir({ prefix: "crds-" });
  try {
    for await (const entry of Deno.readDir(crds)) {
      if (!entry.isFile || !entry.name.endsWith(".yaml") || entry.name.includes("backendtls")) {
        continue;
      }
      await Deno.copyFile(new URL(entry.name, crds), `${dir}/${entry.name}`);
    }
    await withCluster(async (cluster) => {
      const relations = [requirer(1, "web", { scheme: '"https"' }), requirer(2, "api")];
      const state: JujuState = { leader: true, config: PLAIN, relations };
      await run(cluster, state);
      cluster.setGatewayAddresses(APP, [{ value: "10.0.0.9" }]);
      const result = await run(cluster, state, UPDATE);
      deepStrictEqual(result.state.unitStatus, {
        status: "blocked",
        message: "Cannot serve web: scheme https needs BackendTLSPolicy (Gateway API v1.4 or " +
          "later, standard channel), which this cluster does not serve",
      });
      strictEqual(url(result, 2), "http://gw.example.com/testing-api");
      strictEqual(url(result, 1), undefined);
      deepStrictEqual(names(cluster.objects("Service")), [`${APP}-api-service`]);
    }, dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

function perUnit(id: number, app: string, units: number[]): RelationState {
  return {
    id,
    endpoint: "ingress-per-unit",
    remoteApp: app,
    remoteAppData: {},
    remoteUnits: Object.fromEntries(units.map((n) => [`${app}/${n}`, unitData(`${app}/${n}`)])),
  };
}

const unitUrls = (result: HookResult, id: number) => {
  const raw = result.state.relations?.find((r) => r.id === id)?.localAppData?.ingress;
  if (!raw) return undefined;
  const data = parseYaml(raw) as Record<string, { url: string }>;
  return Object.fromEntries(Object.entries(data).map(([unit, value]) => [unit, value.url]));
};

Deno.test("subdomain mode, ingress-per-unit: each unit gets <model>-<app>-<n>.<hostname>, its listener and CSR", () =>
  withCluster(async (cluster) => {
    const config = { ...PLAIN, "routing-mode": "subdomain" };
    const first = await run(cluster, {
      leader: true,
      config,
      relations: [perUnit(1, "prom", [0, 1]), CERTIFICATES],
    });
    deepStrictEqual(await ourCsrNames(first.state), [
      "testing-prom-0.gw.example.com",
      "testing-prom-1.gw.example.com",
    ]);
    const issued = await run(cluster, await issueAll(first.state));
    cluster.setGatewayAddresses(APP, [{ value: "10.0.0.9" }]);
    const served = await run(cluster, issued.state, UPDATE);
    deepStrictEqual(unitUrls(served, 1), {
      "prom/0": "https://testing-prom-0.gw.example.com/",
      "prom/1": "https://testing-prom-1.gw.example.com/",
    });
    deepStrictEqual(listeners(cluster), [
      "HTTP testing-prom-0.gw.example.com",
      "HTTP testing-prom-1.gw.example.com",
      "HTTPS testing-prom-0.gw.example.com",
      "HTTPS testing-prom-1.gw.example.com",
    ]);
    const https = route(cluster, "prom-1-https");
    deepStrictEqual(https.hostnames, ["testing-prom-1.gw.example.com"]);
    deepStrictEqual(https.rules[0].matches, [{ path: { type: "PathPrefix", value: "/" } }]);

    // Scaled down to one unit: the other's listeners and CSR go.
    const scaled = await run(cluster, {
      ...served.state,
      relations: served.state.relations!.map((r) =>
        r.id === 1 ? { ...r, remoteUnits: { "prom/0": r.remoteUnits!["prom/0"] } } : r
      ),
    }, {
      kind: "relation",
      name: "departed",
      relationId: 1,
      remoteUnit: "prom/1",
      departingUnit: "prom/1",
    });
    deepStrictEqual(await ourCsrNames(scaled.state), ["testing-prom-0.gw.example.com"]);
    deepStrictEqual(listeners(cluster), [
      "HTTP testing-prom-0.gw.example.com",
      "HTTPS testing-prom-0.gw.example.com",
    ]);
    deepStrictEqual(unitUrls(scaled, 1), { "prom/0": "https://testing-prom-0.gw.example.com/" });
  }));
