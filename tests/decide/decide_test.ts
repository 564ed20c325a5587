/**
 * The decision as a plain function, state in → state out: a table of worlds and the outcome each
 * must give, covering every row of the README's status table, each endpoint, the three HTTPS
 * modes and the isolation of invalid requirers. No fake Juju, no fake API server.
 */
import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import type { CharmConfig } from "../../src/config.ts";
import { NOW, reconcileWorld, rel } from "./worlds.ts";
import { decide, TLS_WAITING } from "../../src/decide/decide.ts";
import { blockedMessageFor, sentences } from "../../src/decide/errors.ts";
import { KINDS, KubeError, TRUST_MESSAGE } from "../../src/k8s/types.ts";
import type { Outcome } from "../../src/outcome.ts";
import type {
  CertificatesWorld,
  IngressRequirer,
  ProvidedCertificate,
  ReconcileWorld,
  RouteRequirer,
} from "../../src/world.ts";

const CONFIG: CharmConfig = {
  externalHostname: null,
  gatewayClass: "cilium",
  enforceHttps: false,
  hstsMaxAge: 31536000,
};

function requirer(id: number, app: string, extra: Partial<IngressRequirer> = {}): IngressRequirer {
  return {
    relation: rel(id),
    app,
    backend: { model: "testing", app, port: 8080, stripPrefix: false },
    error: null,
    pending: false,
    currentUrl: null,
    databag: {},
    ...extra,
  };
}

function route(id: number, app: string, hostnames: string[] | null, error: string | null = null) {
  const requirer: RouteRequirer = {
    relation: rel(id, "gateway-route"),
    app,
    hostnames,
    error,
    current: {},
  };
  return requirer;
}

interface Options {
  config?: Partial<CharmConfig> | { option: string; message: string };
  ingress?: IngressRequirer[];
  routes?: RouteRequirer[];
  certificates?: CertificatesWorld | null;
  addresses?: string[];
  classes?: string[];
  clusterError?: KubeError;
  dns?: boolean;
}

function world(options: Options = {}): ReconcileWorld {
  const config = options.config && "message" in options.config
    ? options.config
    : { ...CONFIG, ...options.config };
  return reconcileWorld({ ...options, config, error: options.clusterError });
}

const KEY = "-----BEGIN RSA PRIVATE KEY-----\nKEY\n-----END RSA PRIVATE KEY-----";
const LEAF = "-----BEGIN CERTIFICATE-----\nLEAF\n-----END CERTIFICATE-----";
const CA = "-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----";

/** A certificates relation with our CSR for `host` and, when `issued`, its certificate. */
function tls(host: string, issued: boolean, extra: Partial<ProvidedCertificate> = {}) {
  const csr = `-----BEGIN CERTIFICATE REQUEST-----\n${host}\n-----END CERTIFICATE REQUEST-----`;
  const world: CertificatesWorld = {
    relation: rel(5, "certificates"),
    providerApp: "ca",
    privateKey: KEY,
    keyCreated: false,
    requests: [{ pem: csr, commonName: host, dnsNames: [host], ipAddresses: [], ours: true }],
    provided: issued
      ? [{
        certificate: LEAF,
        csr,
        ca: CA,
        chain: [LEAF, CA],
        revoked: false,
        parsed: {
          commonName: host,
          notBefore: new Date("2026-01-01T00:00:00Z"),
          notAfter: new Date("2027-01-01T00:00:00Z"),
          isCa: false,
          ours: true,
        },
        secretLabel: "label",
        secret: { certificate: LEAF, csr },
        ...extra,
      }]
      : [],
    errors: [],
    ownUnreadable: false,
    warnings: [],
  };
  return world;
}

const kindsOf = (outcome: Outcome) =>
  Object.fromEntries(
    (outcome.cluster?.sets ?? []).map((set) => [
      set.kind.kind,
      set.objects.map((o) => o.metadata.name),
    ]),
  );
const urlsOf = (outcome: Outcome) =>
  Object.fromEntries(
    outcome.writes.filter((w) => "ingress" in w.data).map((w) => [w.relation.id, w.data.ingress]),
  );

// --- every row of the status table ---

const GW_CLASSES = "Gateway class must be one of: [cilium]";
const STATUS_ROWS: [string, Options, string, string][] = [
  [
    "enforce-https without a certificates relation",
    { config: { enforceHttps: true }, ingress: [requirer(1, "web")] },
    "blocked",
    "Certificates relation is needed if enforce-https is enabled.",
  ],
  [
    "both gateway and gateway-route related",
    { ingress: [requirer(1, "web")], routes: [route(2, "r", ["a.example.com"])] },
    "blocked",
    "Both Ingress and Gateway Route integrations are established. Only one is allowed.",
  ],
  [
    "an invalid external-hostname",
    { config: { externalHostname: "not_a domain" }, ingress: [requirer(1, "web")] },
    "blocked",
    'Invalid external-hostname "not_a domain": not a valid domain name',
  ],
  [
    "external-hostname with gateway-route",
    { config: { externalHostname: "gw.example.com" }, routes: [route(2, "r", ["a.example.com"])] },
    "blocked",
    "external-hostname must only be set when related via ingress, not when integrating via gateway-route.",
  ],
  [
    "a gateway-class not in the cluster",
    { config: { gatewayClass: "nginx" }, ingress: [requirer(1, "web")] },
    "blocked",
    GW_CLASSES,
  ],
  [
    "no gateway-class",
    { config: { gatewayClass: null }, ingress: [requirer(1, "web")] },
    "blocked",
    GW_CLASSES,
  ],
  [
    "gateway and certificates without external-hostname",
    { ingress: [requirer(1, "web")], certificates: tls("gw.example.com", true) },
    "blocked",
    "external-hostname must be set in when related to ingress and certificates",
  ],
  [
    "a negative hsts-max-age",
    { config: { hstsMaxAge: -1 }, ingress: [requirer(1, "web")] },
    "blocked",
    "invalid configuration: hsts_max_age",
  ],
  [
    "a config that does not parse",
    { config: { option: "hsts-max-age", message: "invalid configuration: hsts_max_age" } },
    "blocked",
    "invalid configuration: hsts_max_age",
  ],
  [
    "a 403 from the API",
    { ingress: [requirer(1, "web")], clusterError: new KubeError("forbidden", "no") },
    "blocked",
    TRUST_MESSAGE,
  ],
  [
    "no Kubernetes configuration",
    { ingress: [requirer(1, "web")], clusterError: new KubeError("config", "no KUBECONFIG") },
    "blocked",
    "Kubernetes API not configured: no KUBECONFIG",
  ],
  [
    "Gateway API not installed",
    {
      ingress: [requirer(1, "web")],
      clusterError: new KubeError("not-found", "404", { object: "gatewayclasses" }),
    },
    "blocked",
    "Gateway API is not installed in the cluster (no gatewayclasses.gateway.networking.k8s.io)",
  ],
  [
    "an invalid requirer",
    {
      ingress: [
        requirer(1, "web"),
        requirer(2, "bad", { backend: null, error: 'application field "port" is missing' }),
      ],
      addresses: ["10.0.0.1"],
    },
    "blocked",
    'Validation of ingress relation data failed. bad: application field "port" is missing',
  ],
  [
    "a certificate not issued yet",
    {
      config: { externalHostname: "gw.example.com", enforceHttps: true },
      ingress: [requirer(1, "web")],
      certificates: tls("gw.example.com", false),
      addresses: ["10.0.0.1"],
    },
    "waiting",
    TLS_WAITING,
  ],
  [
    "a hostname longer than a common name",
    {
      config: { externalHostname: `${"a".repeat(60)}.example.com` },
      ingress: [requirer(1, "web")],
      certificates: tls("x.example.com", false),
      addresses: ["10.0.0.1"],
    },
    "blocked",
    `Cannot request TLS certificates: hostname ${"a".repeat(60)}.example.com is longer than 64 ` +
    "characters: no certificate can name it",
  ],
  [
    "an invalid gateway-route requirer",
    {
      routes: [route(2, "r", ["a.example.com"]), route(3, "bad", null, "hostnames is missing")],
      addresses: ["10.0.0.1"],
    },
    "blocked",
    "Invalid gateway-route relation data: bad: hostnames is missing",
  ],
  [
    "a Gateway without an address",
    { ingress: [requirer(1, "web")] },
    "waiting",
    "Waiting for gateway address",
  ],
  [
    "an unsupported Gateway address",
    { ingress: [requirer(1, "web")], addresses: ["not an address!"] },
    "blocked",
    "Gateway reported unsupported address",
  ],
  [
    "a requirer that has not written its data",
    {
      ingress: [requirer(1, "web"), requirer(2, "slow", { backend: null, pending: true })],
      addresses: ["10.0.0.1"],
    },
    "waiting",
    "Waiting for ingress data from slow",
  ],
  [
    "ready, not enforcing HTTPS",
    { ingress: [requirer(1, "web")], addresses: ["10.0.0.1", "fd00::1"] },
    "active",
    "Gateway addresses: 10.0.0.1 fd00::1 (enforce-https is set to false)",
  ],
  [
    "ready, HTTPS enforced",
    {
      config: { externalHostname: "gw.example.com", enforceHttps: true },
      ingress: [requirer(1, "web")],
      certificates: tls("gw.example.com", true),
      addresses: ["10.0.0.1"],
    },
    "active",
    "Gateway addresses: 10.0.0.1",
  ],
];

for (const [situation, options, status, message] of STATUS_ROWS) {
  Deno.test(`status: ${situation} → ${status} "${message.slice(0, 40)}…"`, () => {
    deepStrictEqual(decide(world(options)).status, { status, message });
  });
}

Deno.test("status: a unit that is not the leader is an Active standby and writes nothing", () => {
  const outcome = decide({ kind: "follower" });
  deepStrictEqual(outcome.status, {
    status: "active",
    message: "standby: waiting for the new leader to reconcile",
  });
  strictEqual(outcome.cluster, null);
  deepStrictEqual(outcome.writes, []);
});

Deno.test("status: apply-time failures map to the table's Blocked messages, or to a retry", () => {
  const clash = new KubeError(
    "conflict",
    "Service testing/gw-web-service already exists and is not managed by gw: remove or rename it",
    { reason: "AlreadyExists" },
  );
  strictEqual(blockedMessageFor(clash), clash.message);
  const invalid = new KubeError("invalid", "bad", {
    object: "HTTPRoute/gw-web-http",
    causes: [{ field: "spec.hostnames[0]", message: "Invalid value" }],
  });
  strictEqual(
    blockedMessageFor(invalid),
    "Kubernetes rejected HTTPRoute/gw-web-http: spec.hostnames[0]: Invalid value",
  );
  strictEqual(blockedMessageFor(new KubeError("unavailable", "503")), null);
});

Deno.test("an unavailable API fails the hook for a retry and writes nothing", () => {
  const outcome = decide(
    world({ ingress: [requirer(1, "web")], clusterError: new KubeError("unavailable", "down") }),
  );
  ok(outcome.retry?.includes("down"), String(outcome.retry));
  strictEqual(outcome.cluster, null);
  deepStrictEqual(outcome.writes, []);
});

// --- ingress ---

Deno.test("ingress: each requirer gets a Service, a route and its URL; unchanged URLs are not rewritten", () => {
  const outcome = decide(world({
    ingress: [
      requirer(1, "web"),
      requirer(2, "api", { currentUrl: "http://10.0.0.1/testing-api" }),
    ],
    addresses: ["10.0.0.1"],
  }));
  deepStrictEqual(kindsOf(outcome), {
    Secret: [],
    Gateway: ["gw"],
    Service: ["gw-web-service", "gw-api-service"],
    HTTPRoute: ["gw-web-http", "gw-api-http"],
  });
  deepStrictEqual(urlsOf(outcome), { 1: JSON.stringify({ url: "http://10.0.0.1/testing-web" }) });
  ok(outcome.writes.every((w) => w.needsObjects));
});

Deno.test("ingress: an invalid requirer gets no objects and no URL; the valid one keeps both", () => {
  const outcome = decide(world({
    ingress: [
      requirer(1, "web"),
      requirer(2, "bad", {
        backend: null,
        error: 'application field "port" must be an integer',
        currentUrl: "http://10.0.0.1/testing-bad",
      }),
    ],
    addresses: ["10.0.0.1"],
  }));
  deepStrictEqual(kindsOf(outcome).Service, ["gw-web-service"]);
  deepStrictEqual(urlsOf(outcome), {
    1: JSON.stringify({ url: "http://10.0.0.1/testing-web" }),
    2: "",
  });
});

Deno.test("ingress: a blocked config withdraws routes, Services and every URL, keeping the Gateway", () => {
  const outcome = decide(world({
    config: { enforceHttps: true },
    ingress: [requirer(1, "web", { currentUrl: "http://10.0.0.1/testing-web" })],
  }));
  // No Service of ours is left: no L4 route can be (they go before their Services), so none
  // of their kinds is listed.
  deepStrictEqual(kindsOf(outcome), { HTTPRoute: [], Service: [] });
  strictEqual(outcome.cluster?.onFailure, "warn");
  deepStrictEqual(urlsOf(outcome), { 1: "" });
  ok(outcome.writes.every((w) => !w.needsObjects), "withdrawn URLs do not wait for objects");
});

Deno.test("a blocked config with Services of ours left withdraws the L4 routes before them", () => {
  const base = world({ config: { enforceHttps: true }, ingress: [requirer(1, "web")] });
  if (!("owned" in base.cluster)) throw new Error("the world has no cluster");
  const service = { apiVersion: "v1", kind: "Service", metadata: { name: "gw-hockeypuck" } };
  const outcome = decide({
    ...base,
    cluster: { ...base.cluster, owned: new Map([[KINDS.service.kind, [service]]]) },
  });
  deepStrictEqual(Object.keys(kindsOf(outcome)), [
    "HTTPRoute",
    "TCPRoute",
    "UDPRoute",
    "TLSRoute",
    "Service",
  ]);
  ok(
    outcome.cluster!.sets.filter((set) =>
      set.kind.kind.endsWith("Route") && set.kind.kind !==
        "HTTPRoute"
    ).every((set) => set.isolated),
    "a cluster without an L4 CRD has none of it",
  );
});

// --- the three HTTPS modes ---

const HOST = "gw.example.com";
const routeNames = (outcome: Outcome) => kindsOf(outcome).HTTPRoute;

Deno.test("HTTPS enforced: HTTPS route with HSTS, a redirect, a TLS Secret and https URLs", () => {
  const outcome = decide(world({
    config: { externalHostname: HOST, enforceHttps: true, hstsMaxAge: 0 },
    ingress: [requirer(1, "web")],
    certificates: tls(HOST, true),
    addresses: ["10.0.0.1"],
  }));
  deepStrictEqual(routeNames(outcome), ["gw-web-https", "gw-http-redirect"]);
  deepStrictEqual(kindsOf(outcome).Secret, [`gw-secret-${HOST}`]);
  deepStrictEqual(urlsOf(outcome), { 1: JSON.stringify({ url: `https://${HOST}/testing-web` }) });
  const https = outcome.cluster!.sets.find((set) => set.kind === KINDS.httpRoute)!.objects[0];
  ok(JSON.stringify(https).includes("max-age=0"));
});

Deno.test("HTTPS enabled (not enforced, certificate issued): HTTP and HTTPS routes, https URLs", () => {
  const outcome = decide(world({
    config: { externalHostname: HOST },
    ingress: [requirer(1, "web")],
    certificates: tls(HOST, true),
    addresses: ["10.0.0.1"],
  }));
  deepStrictEqual(routeNames(outcome), ["gw-web-http", "gw-web-https"]);
  deepStrictEqual(urlsOf(outcome), { 1: JSON.stringify({ url: `https://${HOST}/testing-web` }) });
  ok(!JSON.stringify(outcome.cluster).includes("Strict-Transport-Security"));
});

Deno.test("HTTPS disabled (no certificates relation): HTTP only, http URLs, TLS secrets forgotten", () => {
  const base = world({
    config: { externalHostname: HOST },
    ingress: [requirer(1, "web")],
    addresses: ["10.0.0.1"],
  });
  const outcome = decide({ ...base, tlsSecrets: [{ id: "secret:1", label: "key-label" }] });
  deepStrictEqual(routeNames(outcome), ["gw-web-http"]);
  deepStrictEqual(kindsOf(outcome).Secret, []);
  deepStrictEqual(urlsOf(outcome), { 1: JSON.stringify({ url: `http://${HOST}/testing-web` }) });
  deepStrictEqual(outcome.secrets, [{ op: "remove", id: "secret:1" }]);
});

// --- certificates ---

Deno.test("certificates: a target without a fitting CSR gets a new one; a fitting one is kept", () => {
  const certificates = tls("old.example.com", false);
  const outcome = decide(world({
    config: { externalHostname: HOST },
    ingress: [requirer(1, "web")],
    certificates,
    addresses: ["10.0.0.1"],
  }));
  deepStrictEqual(outcome.certificateRequests?.wanted, [{ target: HOST }]);
  const steady = decide(world({
    config: { externalHostname: "old.example.com" },
    ingress: [requirer(1, "web")],
    certificates,
    addresses: ["10.0.0.1"],
  }));
  strictEqual(steady.certificateRequests, null, "an unchanged CSR list is not rewritten");
});

Deno.test("certificates: a new certificate is tracked in a secret expiring at 90% of its life", () => {
  const certificates = tls(HOST, true, { secret: null });
  const outcome = decide(world({
    config: { externalHostname: HOST },
    ingress: [requirer(1, "web")],
    certificates,
    addresses: ["10.0.0.1"],
  }));
  const expire = new Date(NOW.getTime() + (Date.UTC(2027, 0, 1) - NOW.getTime()) * 0.9);
  deepStrictEqual(outcome.secrets, [{
    op: "track",
    label: "label",
    exists: false,
    content: { certificate: LEAF, csr: certificates.requests[0].pem },
    expire: expire.toISOString(),
  }]);
});

Deno.test("certificates: a revoked certificate does not serve and its secret goes", () => {
  const outcome = decide(world({
    config: { externalHostname: HOST },
    ingress: [requirer(1, "web")],
    certificates: tls(HOST, true, { revoked: true }),
    addresses: ["10.0.0.1"],
  }));
  deepStrictEqual(outcome.secrets, [{ op: "remove-by-label", label: "label" }]);
  deepStrictEqual(outcome.status, { status: "waiting", message: TLS_WAITING });
  deepStrictEqual(kindsOf(outcome).Secret, []);
});

Deno.test("certificates: a revoked certificate beside a new one for the same CSR: the new one is tracked", () => {
  const base = tls(HOST, true, { revoked: true });
  const renewed = {
    ...base.provided[0],
    certificate: "-----BEGIN CERTIFICATE-----\nNEW\n-----END CERTIFICATE-----",
    revoked: false,
    // The provider's copy of our CSR, with whitespace around it.
    csr: `\n\n${base.provided[0].csr}\n${" ".repeat(9000)}`,
  };
  for (const provided of [[base.provided[0], renewed], [renewed, base.provided[0]]]) {
    const outcome = decide(world({
      config: { externalHostname: HOST },
      ingress: [requirer(1, "web")],
      certificates: { ...base, provided },
      addresses: ["10.0.0.1"],
    }));
    // One secret, the same label: set with the new certificate, never removed.
    deepStrictEqual(outcome.secrets.map((op) => op.op), ["track"]);
    const [track] = outcome.secrets;
    ok(track.op === "track");
    deepStrictEqual(track.content, { certificate: renewed.certificate, csr: base.requests[0].pem });
    strictEqual(track.exists, true);
  }
  // The same certificate listed revoked and not: it serves, its secret stays.
  const same = tls(HOST, true);
  const outcome = decide(world({
    config: { externalHostname: HOST },
    ingress: [requirer(1, "web")],
    certificates: { ...same, provided: [same.provided[0], { ...same.provided[0], revoked: true }] },
    addresses: ["10.0.0.1"],
  }));
  deepStrictEqual(outcome.secrets, []);
  deepStrictEqual(kindsOf(outcome).Secret, [`gw-secret-${HOST}`]);
});

Deno.test("certificates: one valid only from later on does not serve yet (an hour of skew allowed)", () => {
  const served = (notBefore: Date) => {
    const base = tls(HOST, true);
    const entry = { ...base.provided[0], parsed: { ...base.provided[0].parsed!, notBefore } };
    return kindsOf(decide(world({
      config: { externalHostname: HOST },
      ingress: [requirer(1, "web")],
      certificates: { ...base, provided: [entry] },
      addresses: ["10.0.0.1"],
    }))).Secret;
  };
  deepStrictEqual(served(new Date(NOW.getTime() + 30 * 86_400_000)), []);
  deepStrictEqual(served(new Date(NOW.getTime() + 10 * 60_000)), [`gw-secret-${HOST}`]);
});

Deno.test("certificates: on secret-expired the CSR is replaced and the old certificate still serves", () => {
  const certificates = tls(HOST, true);
  const outcome = decide({
    ...world({
      config: { externalHostname: HOST },
      ingress: [requirer(1, "web")],
      certificates,
      addresses: ["10.0.0.1"],
    }),
    expiring: { id: "secret:7", label: "label", csr: certificates.requests[0].pem },
  });
  deepStrictEqual(outcome.certificateRequests?.wanted, [{ target: HOST }]);
  deepStrictEqual(outcome.secrets, [{ op: "remove", id: "secret:7" }]);
  deepStrictEqual(kindsOf(outcome).Secret, [`gw-secret-${HOST}`]);
});

// --- gateway-route and dns-record ---

Deno.test("gateway-route: listeners per requirer hostname, provider data once there is an address", () => {
  const routes = [route(2, "a", ["a.example.com"]), route(3, "b", ["b.example.com"])];
  const waiting = decide(world({ routes }));
  strictEqual(waiting.writes.length, 0, "no provider data before the Gateway has an address");
  const outcome = decide(world({ routes, addresses: ["10.0.0.1"], dns: true }));
  const gw = outcome.cluster!.sets.find((set) => set.kind === KINDS.gateway)!.objects[0];
  const hosts = (gw.spec as { listeners: { hostname?: string }[] }).listeners.map((l) =>
    l.hostname
  );
  deepStrictEqual(hosts, ["a.example.com", "b.example.com"]);
  deepStrictEqual(kindsOf(outcome).HTTPRoute, [], "gateway-route requirers make their own routes");
  const provider = outcome.writes.filter((w) => w.relation.endpoint === "gateway-route");
  deepStrictEqual(provider.map((w) => w.relation.id), [2, 3]);
  strictEqual(provider[0].data.gateway_address, JSON.stringify("10.0.0.1"));
  const dns = outcome.writes.find((w) => w.relation.endpoint === "dns-record")!;
  const records = JSON.parse(dns.data.dns_entries) as { domain: string; record_data: string }[];
  deepStrictEqual(records.map((r) => [r.domain, r.record_data]), [
    ["a.example.com", "10.0.0.1"],
    ["b.example.com", "10.0.0.1"],
  ]);
});

Deno.test("gateway-route: an invalid requirer gets no provider data; the valid one does", () => {
  const outcome = decide(world({
    routes: [route(2, "a", ["a.example.com"]), route(3, "bad", null, "hostnames is missing")],
    addresses: ["10.0.0.1"],
  }));
  deepStrictEqual(outcome.writes.map((w) => w.relation.id), [2]);
});

// --- remove and the action ---

Deno.test("remove: the last unit deletes every owned kind; a scale-down deletes nothing", () => {
  const last = decide({
    kind: "remove",
    remainingUnits: 0,
    cluster: { namespace: "testing", gatewayClasses: [], owned: new Map() },
  });
  deepStrictEqual(Object.keys(kindsOf(last)), [
    "HTTPRoute",
    "TCPRoute",
    "UDPRoute",
    "TLSRoute",
    "EndpointSlice",
    "Service",
    "Gateway",
    "Secret",
  ]);
  ok(Object.values(kindsOf(last)).every((names) => names.length === 0));
  strictEqual(decide({ kind: "remove", remainingUnits: 1, cluster: null }).cluster, null);
});

Deno.test("get-certificate: the certificate for the hostname, or a clear failure", () => {
  const entry = { certificate: LEAF, ca: CA, chain: [LEAF, CA] };
  deepStrictEqual(
    decide({
      kind: "get-certificate",
      hostname: HOST,
      provided: [{ commonName: HOST, entry }],
      warnings: [],
    })
      .action,
    { results: { certificate: LEAF, ca: CA, chain: `${LEAF}\n\n${CA}` } },
  );
  deepStrictEqual(
    decide({
      kind: "get-certificate",
      hostname: "other",
      provided: [{ commonName: HOST, entry }],
      warnings: [],
    })
      .action,
    { fail: "Missing or incomplete certificate data for other" },
  );
  deepStrictEqual(
    decide({ kind: "get-certificate", hostname: HOST, provided: null, warnings: [] }).action,
    {
      fail: "Certificate relation not ready.",
    },
  );
  // Case and a trailing dot do not make another host; no hostname is said as such.
  const asked = (hostname: string) =>
    decide({
      kind: "get-certificate",
      hostname,
      provided: [{ commonName: HOST, entry }],
      warnings: [],
    })
      .action;
  deepStrictEqual(asked(`${HOST.toUpperCase()}.`), asked(HOST));
  deepStrictEqual(asked(" "), { fail: "No hostname given: hostname=<name>" });
});

Deno.test("ingress: a requirer whose object the API refused is left out and named; the others stay", () => {
  const outcome = decide({
    ...world({ ingress: [requirer(1, "web"), requirer(2, "api")], addresses: ["10.0.0.1"] }),
    refused: [{ object: "Service/gw-api-service", detail: "Service/gw-api-service: spec: bad" }],
  });
  deepStrictEqual(kindsOf(outcome).Service, ["gw-web-service"]);
  deepStrictEqual(urlsOf(outcome), { 1: JSON.stringify({ url: "http://10.0.0.1/testing-web" }) });
  deepStrictEqual(outcome.status, {
    status: "blocked",
    message: "Kubernetes rejected the objects of api: Service/gw-api-service: spec: bad",
  });
});

Deno.test("a refused object of no single requirer blocks the application and writes nothing", () => {
  const outcome = decide({
    ...world({ ingress: [requirer(1, "web")], addresses: ["10.0.0.1"] }),
    refused: [{ object: "HTTPRoute/gw-http-redirect", detail: "HTTPRoute/gw-http-redirect: x: y" }],
  });
  deepStrictEqual(outcome.status, {
    status: "blocked",
    message: "Kubernetes rejected HTTPRoute/gw-http-redirect: x: y",
  });
  strictEqual(outcome.cluster, null);
  deepStrictEqual(outcome.writes, []);
});

Deno.test("problems of different kinds are separate sentences in one status", () => {
  strictEqual(
    sentences(["Validation of ingress relation data failed. a: bad", "Cannot serve b: taken."]),
    "Validation of ingress relation data failed. a: bad. Cannot serve b: taken.",
  );
  strictEqual(sentences(["One problem."]), "One problem.", "one part is left as it is");
  strictEqual(sentences(["Ends with a dot.", "Next"]), "Ends with a dot. Next");
});
