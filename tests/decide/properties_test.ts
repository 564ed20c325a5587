/**
 * The decision fed generated worlds (fast-check): it never throws, and whatever the requirers
 * send, the invariants hold — object names are valid and short, every object carries the
 * ownership label once applied, private keys stay in TLS Secrets, every published URL is served
 * by a route, invalid or gone requirers get no URL, and a valid requirer is served the same
 * whatever the others send.
 */
import { deepStrictEqual, ok } from "node:assert/strict";
import type { CharmConfig } from "../../src/config.ts";
import { decide } from "../../src/decide/decide.ts";
import { MANAGED_BY, withOwnership } from "../../src/k8s/reconcile.ts";
import { KubeError, type KubeObject } from "../../src/k8s/types.ts";
import type { Outcome } from "../../src/outcome.ts";
import type {
  CertificatesWorld,
  IngressRequirer,
  ProvidedCertificate,
  ReconcileWorld,
  RouteRequirer,
} from "../../src/world.ts";
import { check, fc } from "../properties.ts";
import { reconcileWorld, rel } from "./worlds.ts";

const KEY = "-----BEGIN RSA PRIVATE KEY-----\nSECRETKEYMATERIAL\n-----END RSA PRIVATE KEY-----";

// --- generators of worlds the gather step can produce ---

const dnsLabel = fc.stringMatching(/^[a-z]([a-z0-9-]{0,10}[a-z0-9])?$/);
const hostname = fc.oneof(
  fc.tuple(dnsLabel, dnsLabel, fc.constantFrom("com", "org", "example")).map((p) => p.join(".")),
  // Long, but still a certificate's common name: its Secret's name must be shortened.
  fc.stringMatching(/^[a-z]{30,52}$/).map((label) => `${label}.example.com`),
  // Longer than a certificate's common name may be.
  fc.constant(`${"a".repeat(60)}.example.com`),
);
// Juju's application names (as the ingress parser accepts them), up to a label's 63 characters;
// and a few whose paths `/<model>-<app>` meet another's (model `a-b` app `c`, model `a` app `b-c`).
const appName = fc.oneof(
  fc.stringMatching(/^[a-z][a-z0-9]{0,12}(-[a-z][a-z0-9]{0,6}){0,2}$/),
  fc.stringMatching(/^[a-z]{40,63}$/),
  fc.constantFrom("c", "b-c", "a-b-c"),
);
const modelName = fc.oneof(
  fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,20}$/),
  fc.constantFrom("a", "a-b"),
);
const address = fc.oneof(
  fc.ipV4(),
  fc.ipV6(),
  hostname,
  fc.string({ maxLength: 20 }),
);

const config: fc.Arbitrary<CharmConfig> = fc.record({
  externalHostname: fc.option(fc.oneof(hostname, fc.string({ maxLength: 30 })), { nil: null }),
  gatewayClass: fc.constantFrom("cilium", null, "other"),
  enforceHttps: fc.boolean(),
  hstsMaxAge: fc.integer({ min: -2, max: 2 ** 31 }),
});

type Kind = "valid" | "invalid" | "pending";
const requirerSpec = fc.record({
  kind: fc.constantFrom<Kind>("valid", "valid", "invalid", "pending"),
  model: modelName,
  port: fc.integer({ min: 1, max: 65534 }),
  stripPrefix: fc.boolean(),
  currentUrl: fc.option(fc.oneof(fc.webUrl(), fc.string({ maxLength: 20 })), { nil: null }),
  error: fc.string({ minLength: 1, maxLength: 40 }),
});

/** Requirers with unique relation ids and application names, as the gather step gives them. */
const requirers = fc.uniqueArray(appName, { maxLength: 6 }).chain((apps) =>
  fc.tuple(...apps.map(() => requirerSpec)).map((specs) =>
    specs.map((spec, i): IngressRequirer => ({
      relation: rel(i + 1, "gateway"),
      app: apps[i],
      backend: spec.kind === "valid"
        ? { model: spec.model, app: apps[i], port: spec.port, stripPrefix: spec.stripPrefix }
        : null,
      error: spec.kind === "invalid" ? spec.error : null,
      pending: spec.kind === "pending",
      currentUrl: spec.currentUrl,
      databag: spec.currentUrl === null
        ? {}
        : { ingress: JSON.stringify({ url: spec.currentUrl }) },
    }))
  )
);

const routes = fc.array(
  fc.record({
    hostnames: fc.option(fc.array(hostname, { maxLength: 3 }), { nil: null }),
    error: fc.string({ minLength: 1, maxLength: 20 }),
  }),
  { maxLength: 3 },
).map((specs) =>
  specs.map((spec, i): RouteRequirer => ({
    relation: rel(100 + i, "gateway-route"),
    app: `route${i}`,
    hostnames: spec.hostnames,
    error: spec.hostnames === null ? spec.error : null,
    current: {},
  }))
);

const provided = (host: string, csr: string) =>
  fc.record({
    revoked: fc.boolean(),
    parsed: fc.option(
      fc.record({
        commonName: fc.constantFrom(host, "other.example.com", null),
        notBefore: fc.constantFrom(new Date("2024-01-01"), new Date("2026-12-31")),
        notAfter: fc.constantFrom(new Date("2025-01-01"), new Date("2027-01-01")),
        isCa: fc.boolean(),
        ours: fc.boolean(),
      }),
      { nil: null },
    ),
    tracked: fc.boolean(),
  }).map((spec): ProvidedCertificate => ({
    certificate: `-----BEGIN CERTIFICATE-----\n${host}\n-----END CERTIFICATE-----`,
    csr,
    ca: "-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----",
    chain: [],
    revoked: spec.revoked,
    parsed: spec.parsed,
    secretLabel: `label-${host}`,
    secret: spec.tracked ? { certificate: "old", csr } : null,
  }));

const certificates = (hosts: readonly string[]) =>
  fc.subarray([...new Set(hosts)]).chain((requested) =>
    fc.tuple(
      fc.constant(requested),
      ...requested.map((host) =>
        fc.option(provided(host, `-----BEGIN CERTIFICATE REQUEST-----\n${host}\n-----END`), {
          nil: null,
        })
      ),
    )
  ).map(([requested, ...answers]): CertificatesWorld => ({
    relation: rel(50, "certificates"),
    providerApp: "ca",
    privateKey: KEY,
    keyCreated: false,
    requests: (requested as string[]).map((host) => ({
      pem: `-----BEGIN CERTIFICATE REQUEST-----\n${host}\n-----END`,
      commonName: host,
      dnsNames: [host],
      ipAddresses: [],
      ours: true,
    })),
    provided: answers.flatMap((answer) => (answer === null ? [] : [answer as ProvidedCertificate])),
    errors: [],
    ownUnreadable: false,
    warnings: [],
  }));

const clusterError = fc.constantFrom(
  new KubeError("forbidden", "denied"),
  new KubeError("unavailable", "down"),
  new KubeError("not-found", "404", { object: "gatewayclasses" }),
);

const world: fc.Arbitrary<ReconcileWorld> = fc.record({
  config,
  ingress: requirers,
  routes,
  addresses: fc.array(address, { maxLength: 3 }),
  withCertificates: fc.boolean(),
  error: fc.option(clusterError, { nil: null, freq: 8 }),
  dns: fc.boolean(),
}).chain((spec) => {
  const hosts = [
    ...(spec.config.externalHostname ? [spec.config.externalHostname.toLowerCase()] : []),
    ...spec.routes.flatMap((route) => route.hostnames ?? []),
  ];
  return fc.tuple(
    fc.constant(spec),
    spec.withCertificates ? certificates(hosts) : fc.constant(null),
  );
}).map(([spec, certs]) => reconcileWorld({ ...spec, certificates: certs }));

// --- invariants ---

const LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

function objectsOf(outcome: Outcome): { kind: string; object: KubeObject }[] {
  return (outcome.cluster?.sets ?? []).flatMap((set) =>
    set.objects.map((object) => ({ kind: set.kind.kind, object }))
  );
}

function publishedUrls(outcome: Outcome): Map<number, string | null> {
  const urls = new Map<number, string | null>();
  for (const write of outcome.writes) {
    if (write.relation.endpoint !== "gateway" || !("ingress" in write.data)) continue;
    const raw = write.data.ingress;
    urls.set(write.relation.id, raw === "" ? null : (JSON.parse(raw) as { url: string }).url);
  }
  return urls;
}

/** The URL a requirer holds after the outcome is applied. */
function urlAfter(outcome: Outcome, requirer: IngressRequirer) {
  const urls = publishedUrls(outcome);
  return urls.has(requirer.relation.id) ? urls.get(requirer.relation.id)! : requirer.currentUrl;
}

/** Whether an HTTPRoute of the outcome serves the URL through a Service of the outcome. */
function served(outcome: Outcome, url: string): boolean {
  const { hostname, pathname, protocol } = new URL(url);
  const objects = objectsOf(outcome);
  const services = new Set(
    objects.filter((o) => o.kind === "Service").map((o) => o.object.metadata.name),
  );
  return objects.filter((o) => o.kind === "HTTPRoute").some(({ object }) => {
    const spec = object.spec as {
      hostnames: string[];
      parentRefs: { sectionName: string }[];
      rules: { matches?: { path: { value: string } }[]; backendRefs?: { name: string }[] }[];
    };
    const listener = spec.parentRefs[0].sectionName;
    const hostOk = spec.hostnames.length === 0 || spec.hostnames.includes(hostname);
    const schemeOk = listener.includes(protocol === "https:" ? "-https" : "-http");
    return hostOk && schemeOk &&
      spec.rules.some((rule) =>
        rule.matches?.some((match) => match.path.value === pathname) &&
        rule.backendRefs?.every((ref) => services.has(ref.name))
      );
  });
}

Deno.test("property: the decision never throws and its outcome keeps every invariant", async () => {
  await check(
    fc.asyncProperty(world, async (w) => {
      const outcome = decide(w);
      for (const { kind, object } of objectsOf(outcome)) {
        const name = object.metadata.name;
        // Every name is at most 63 characters; a Secret's may hold dots (its hostname).
        ok(name.length <= 63, `${kind} name ${name} is longer than 63 characters`);
        ok((kind === "Secret" ? SUBDOMAIN : LABEL).test(name), `${kind} name ${name}`);
        const owned = await withOwnership(w.app, object);
        ok(owned.metadata.labels?.[MANAGED_BY] === w.app, `${kind}/${name} is not labelled`);
        const selector = (object.spec as { selector?: Record<string, string> })?.selector ?? {};
        for (const value of Object.values(selector)) {
          ok(value.length <= 63 && LABEL.test(value), `label value ${value}`);
        }
      }
      // Private keys only in TLS Secrets.
      const secretFree = {
        objects: objectsOf(outcome).filter((o) =>
          !(o.kind === "Secret" && o.object.type === "kubernetes.io/tls")
        ),
        writes: outcome.writes,
        logs: outcome.logs,
        status: outcome.status,
      };
      const text = JSON.stringify(secretFree);
      ok(!text.includes("PRIVATE KEY") && !text.includes("SECRETKEYMATERIAL"), "key leaked");
      for (const secret of objectsOf(outcome).filter((o) => o.kind === "Secret")) {
        ok(secret.object.type === "kubernetes.io/tls");
      }
      // Published URLs: only for valid requirers, and each one served by a route.
      for (const [id, url] of publishedUrls(outcome)) {
        const requirer = w.ingress.find((r) => r.relation.id === id);
        ok(requirer, `URL written for unknown relation ${id}`);
        if (url === null) continue;
        ok(requirer.backend !== null, `URL for invalid requirer ${requirer.app}`);
        ok(served(outcome, url), `URL ${url} has no route serving it`);
      }
      // One listener per name, and no URL published for two requirers.
      for (const { object } of objectsOf(outcome).filter((o) => o.kind === "Gateway")) {
        const names = (object.spec as { listeners: { name: string }[] }).listeners.map((l) =>
          l.name
        );
        deepStrictEqual([...new Set(names)], names, "listener names are unique");
      }
      const urls = [...publishedUrls(outcome).values()].filter((url) => url !== null);
      deepStrictEqual([...new Set(urls)], urls, "URLs are unique");
      // When the outcome touches the cluster, no invalid requirer keeps a URL (when it cannot,
      // the routes it would withdraw stay too, and so does the URL they serve).
      if (outcome.cluster !== null) {
        for (const requirer of w.ingress.filter((r) => r.backend === null)) {
          ok(urlAfter(outcome, requirer) === null, `stale URL kept for ${requirer.app}`);
        }
      }
    }),
    3000,
  );
});

Deno.test("property: requirers whose /<model>-<app> paths meet are served one per path", async () => {
  // (model, app) pairs of unique application names whose paths meet: /a-b-c twice, /a-b-c-d twice.
  const pairs = [["a", "b-c"], ["a-b", "c"], ["a-b-c", "d"], ["a", "b-c-d"], ["x", "y"]] as const;
  const scenario = fc.record({
    chosen: fc.shuffledSubarray([...pairs], { minLength: 1 }),
    host: fc.option(fc.constant("gw.example.com"), { nil: null }),
  });
  await check(
    fc.asyncProperty(scenario, ({ chosen, host }) => {
      const ingress = chosen.map(([model, app], i): IngressRequirer => ({
        relation: rel(i + 1, "gateway"),
        app,
        backend: { model, app, port: 80, stripPrefix: false },
        error: null,
        pending: false,
        currentUrl: null,
        databag: {},
        // In another model than ours: served at its units' addresses.
        units: [{ unit: `${app}/0`, ip: `10.1.0.${i + 1}` }],
      }));
      const cfg: CharmConfig = {
        externalHostname: host,
        gatewayClass: "cilium",
        enforceHttps: false,
        hstsMaxAge: 0,
      };
      const outcome = decide(reconcileWorld({ config: cfg, ingress, addresses: ["10.0.0.1"] }));
      const urls = publishedUrls(outcome);
      // The first requirer on each path (in relation order) is served, and only it.
      const first = new Map<string, number>();
      for (const requirer of ingress) {
        const path = `/${requirer.backend!.model}-${requirer.app}`;
        if (!first.has(path)) first.set(path, requirer.relation.id);
      }
      for (const requirer of ingress) {
        const path = `/${requirer.backend!.model}-${requirer.app}`;
        const url = urls.get(requirer.relation.id) ?? null;
        if (first.get(path) === requirer.relation.id) {
          ok(url !== null && url.endsWith(path), `${requirer.app}: ${url}`);
        } else ok(url === null, `${requirer.app} shares ${path} and got ${url}`);
      }
    }),
    300,
  );
});

Deno.test("property: a valid requirer is served the same whatever the other requirers send", async () => {
  const validConfig = fc.record({
    externalHostname: fc.option(hostname.filter((h) => h.length <= 64), { nil: null }),
    hstsMaxAge: fc.integer({ min: 0, max: 2 ** 31 }),
  }).map((c): CharmConfig => ({ ...c, gatewayClass: "cilium", enforceHttps: false }));
  const scenario = fc.record({
    config: validConfig,
    others: requirers,
    address: fc.ipV4(),
    port: fc.integer({ min: 1, max: 65534 }),
  });
  await check(
    fc.asyncProperty(scenario, ({ config, others, address, port }) => {
      const mine: IngressRequirer = {
        relation: rel(999, "gateway"),
        app: "mine",
        backend: { model: "testing", app: "mine", port, stripPrefix: false },
        error: null,
        pending: false,
        currentUrl: null,
        databag: {},
      };
      const base = (ingress: IngressRequirer[]) =>
        reconcileWorld({ config, ingress, addresses: [address] });
      const alone = decide(base([mine]));
      const crowded = decide(base([...others.filter((o) => o.app !== "mine"), mine]));
      const mineOf = (outcome: Outcome) =>
        objectsOf(outcome).filter(({ object }) => object.metadata.name.includes("-mine-"));
      deepStrictEqual(publishedUrls(crowded).get(999), publishedUrls(alone).get(999));
      ok(publishedUrls(alone).get(999), "the valid requirer gets a URL");
      deepStrictEqual(mineOf(crowded), mineOf(alone));
    }),
    3000,
  );
});
