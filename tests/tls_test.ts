/**
 * Black-box TLS scenarios: the packed charm with a certificates provider played by a test CA,
 * the fake hook tools and the fake Kubernetes API. Key and CSR handling, certificate arrival,
 * renewal, hostname changes, the three HTTPS modes, gateway-route and dns-record, and the action.
 */
import { deepStrictEqual, notStrictEqual, ok, strictEqual } from "node:assert/strict";
import { type Cluster } from "./cluster.ts";
import type { HookEvent, HookResult, JujuState, RelationState } from "./harness/juju/state.ts";
import { packedCharmDir, runHook } from "./harness/runner.ts";
import { createTestCa, type TestCa } from "./harness/tls_ca.ts";
import { parseCsr } from "../src/tls/csr.ts";
import { parseCertificate } from "../src/tls/certificate.ts";
import { publicKeyOf } from "../src/tls/keys.ts";
import type { KubeObject } from "../src/k8s/types.ts";
import { withCluster } from "./blackbox.ts";

const APP = "gateway-api-integrator";
const HOST = "gw.example.com";
const KEY_LABEL = "afd8c2bccf834997afce12c2706d2ede-private-key-certificates";
const CERT_LABEL_PREFIX = "afd8c2bccf834997afce12c2706d2ede-certificate-certificates-";
const charmDir = await packedCharmDir();
const ca: TestCa = await createTestCa();

const CHANGED: HookEvent = { kind: "hook", name: "config-changed" };
const UPDATE: HookEvent = { kind: "hook", name: "update-status" };
const CERTS_ID = 90;

function web(): RelationState {
  return {
    id: 1,
    endpoint: "gateway",
    remoteApp: "web",
    remoteAppData: { model: '"testing"', name: '"web"', port: "8080" },
    remoteUnits: { "web/0": { host: '"web-0.web-endpoints"' } },
  };
}

function certificatesRelation(providerData: Record<string, string> = {}): RelationState {
  return {
    id: CERTS_ID,
    endpoint: "certificates",
    remoteApp: "ca",
    remoteUnits: { "ca/0": {} },
    remoteAppData: providerData,
  };
}

async function run(
  cluster: Cluster,
  state: JujuState,
  event: HookEvent = CHANGED,
): Promise<HookResult> {
  const result = await runHook(charmDir, state, event, { env: cluster.env });
  strictEqual(result.exitCode, 0, `exit ${result.exitCode}: ${result.stderr}`);
  return result;
}

const relation = (state: JujuState, id: number) => state.relations!.find((r) => r.id === id)!;
const ourCsrs = (state: JujuState): { certificate_signing_request: string; ca: boolean }[] =>
  JSON.parse(relation(state, CERTS_ID).localAppData?.certificate_signing_requests ?? "[]");
const secretByLabel = (state: JujuState, label: string) =>
  state.secrets?.find((s) => s.label === label);
const specOf = <T>(object: KubeObject | undefined): T => (object as unknown as { spec: T }).spec;

/** The provider answers every CSR in our databag (what a tls-certificates provider charm does). */
async function issueAll(
  state: JujuState,
  chain: "leaf-first" | "root-first" | "empty" = "leaf-first",
) {
  const certificates = [];
  for (const { certificate_signing_request: csr } of ourCsrs(state)) {
    const certificate = await ca.sign(csr);
    const chainPems = chain === "empty"
      ? []
      : chain === "root-first"
      ? [ca.caPem, certificate]
      : [certificate, ca.caPem];
    certificates.push({
      ca: ca.caPem,
      certificate_signing_request: csr,
      certificate,
      chain: chainPems,
    });
  }
  return withProvider(state, { certificates: JSON.stringify(certificates) });
}

function withProvider(state: JujuState, providerData: Record<string, string>): JujuState {
  return {
    ...state,
    relations: state.relations!.map((
      r,
    ) => (r.id === CERTS_ID ? { ...r, remoteAppData: providerData } : r)),
  };
}

function tlsSecret(cluster: Cluster, target: string): Record<string, string> | undefined {
  const secret = cluster.objects("Secret").find((s) =>
    s.metadata.name === `${APP}-secret-${target}`
  ) as
    | { data: Record<string, string>; type: string }
    | undefined;
  if (!secret) return undefined;
  strictEqual(secret.type, "kubernetes.io/tls");
  return Object.fromEntries(Object.entries(secret.data).map(([k, v]) => [k, atob(v)]));
}

function listeners(cluster: Cluster): { name: string; protocol: string; hostname?: string }[] {
  return specOf<{ listeners: { name: string; protocol: string; hostname?: string }[] }>(
    cluster.objects("Gateway")[0],
  ).listeners;
}

const ENFORCED: JujuState = {
  leader: true,
  config: { "gateway-class": "cilium", "external-hostname": HOST },
  relations: [web(), certificatesRelation()],
};

Deno.test("the first hook creates one application-owned key secret and one CSR per hostname", () =>
  withCluster(async (cluster) => {
    const result = await run(cluster, ENFORCED);
    const key = secretByLabel(result.state, KEY_LABEL);
    ok(key, "key secret created");
    strictEqual(key.owner, "application");
    const pem = key.revisions.at(-1)!.content["private-key"];
    ok(pem.startsWith("-----BEGIN RSA PRIVATE KEY-----"), pem.slice(0, 40));
    ok(
      !JSON.stringify(result.state.relations).includes("PRIVATE KEY"),
      "the key is never in relation data",
    );
    ok(!JSON.stringify(result.logs).includes("PRIVATE KEY"), "the key is never logged");

    const csrs = ourCsrs(result.state);
    strictEqual(csrs.length, 1);
    strictEqual(csrs[0].ca, false);
    const csr = await parseCsr(csrs[0].certificate_signing_request);
    strictEqual(csr.commonName, HOST);
    deepStrictEqual(csr.dnsNames, [HOST]);
    ok(csr.hasUniqueId);
    ok(csr.signatureValid);
    deepStrictEqual(csr.publicKey, await publicKeyOf(pem));
    deepStrictEqual(result.state.unitStatus, {
      status: "waiting",
      message: "Waiting for TLS certificates to be issued.",
    });

    const again = await run(cluster, result.state);
    deepStrictEqual(ourCsrs(again.state), csrs, "a second hook keeps the CSR");
    strictEqual(again.state.secrets?.filter((s) => s.label === KEY_LABEL).length, 1);
  }));

Deno.test("an issued certificate becomes a TLS Secret, an HTTPS listener and an https URL", () =>
  withCluster(async (cluster) => {
    const first = await run(cluster, ENFORCED);
    const issued = await run(cluster, await issueAll(first.state), {
      kind: "relation",
      name: "changed",
      relationId: CERTS_ID,
    });
    cluster.setGatewayAddresses(APP, [{ value: "10.0.0.9" }]);
    const result = await run(cluster, issued.state, UPDATE);
    deepStrictEqual(result.state.unitStatus, {
      status: "active",
      message: "Gateway addresses: 10.0.0.9",
    });
    strictEqual(
      JSON.parse(relation(result.state, 1).localAppData!.ingress).url,
      `https://${HOST}/testing-web`,
    );

    const secret = tlsSecret(cluster, HOST)!;
    const blocks = secret["tls.crt"].split("\n\n");
    strictEqual(blocks.length, 2);
    strictEqual((await parseCertificate(blocks[0])).commonName, HOST, "leaf first");
    ok(secret["tls.key"].startsWith("-----BEGIN RSA PRIVATE KEY-----"));
    deepStrictEqual(
      listeners(cluster).map((l) => [l.name, l.protocol, l.hostname]),
      [[`${APP}-http-gw-example-com`, "HTTP", HOST], [
        `${APP}-https-gw-example-com`,
        "HTTPS",
        HOST,
      ]],
    );
    const routes = cluster.objects("HTTPRoute").map((route) => route.metadata.name).sort();
    deepStrictEqual(routes, [`${APP}-http-redirect`, `${APP}-web-https`]);

    const certSecret = result.state.secrets?.find((s) => s.label?.startsWith(CERT_LABEL_PREFIX));
    ok(certSecret?.expire, "the certificate secret expires for renewal");
    const { notBefore, notAfter } = await parseCertificate(blocks[0]);
    const expire = new Date(certSecret!.expire!).getTime();
    ok(expire > notBefore.getTime() && expire < notAfter.getTime(), "expires within the validity");
  }));

Deno.test("a provider's texts are served as the certificates they hold, within Juju's sizes", () =>
  withCluster(async (cluster) => {
    const first = await run(cluster, ENFORCED);
    const csr = ourCsrs(first.state)[0].certificate_signing_request;
    const leaf = await ca.sign(csr);
    // 10 KiB of certificate field (a Juju secret value holds 8), junk and a CSR in the chain,
    // and the CA 900 times (a Secret holds 1 MiB).
    const entry = {
      ca: ca.caPem,
      certificate_signing_request: csr,
      certificate: [leaf, ...Array(7).fill(ca.caPem)].join("\n"),
      chain: [leaf, "not a certificate \u0000", csr, ...Array(900).fill(ca.caPem)],
    };
    const result = await run(
      cluster,
      withProvider(first.state, { certificates: JSON.stringify([entry]) }),
      UPDATE,
    );
    const blocks = tlsSecret(cluster, HOST)!["tls.crt"].split("\n\n");
    deepStrictEqual(blocks.map((pem) => pem.trim()), [leaf.trim(), ca.caPem.trim()]);
    const tracking = result.state.secrets?.find((s) => s.label?.startsWith(CERT_LABEL_PREFIX));
    strictEqual(tracking?.revisions.at(-1)?.content.certificate?.trim(), leaf.trim(), "leaf alone");
    ok(
      result.logs.some((log) =>
        log.level === "WARNING" && !log.message.includes("skipped") &&
        log.message.endsWith(
          'field "certificates[0]": left out chain[1]: no PEM block; ' +
            "chain[2]: a CERTIFICATE REQUEST block is not a certificate",
        )
      ),
      JSON.stringify(result.logs),
    );
  }));

Deno.test("a root-first chain is reversed and an empty chain falls back to leaf + CA", () =>
  withCluster(async (cluster) => {
    const first = await run(cluster, ENFORCED);
    for (const order of ["root-first", "empty"] as const) {
      await run(cluster, await issueAll(first.state, order));
      const blocks = tlsSecret(cluster, HOST)!["tls.crt"].split("\n\n");
      strictEqual((await parseCertificate(blocks[0])).commonName, HOST, order);
      strictEqual(blocks.length, 2, order);
    }
  }));

Deno.test("a revoked certificate is not served and its secret is forgotten", () =>
  withCluster(async (cluster) => {
    const first = await run(cluster, ENFORCED);
    const issuedRun = await run(cluster, await issueAll(first.state));
    ok(issuedRun.state.secrets?.some((s) => s.label?.startsWith(CERT_LABEL_PREFIX)));
    const issued = issuedRun.state;
    const entries = JSON.parse(relation(issued, CERTS_ID).remoteAppData!.certificates);
    const revoked = withProvider(issued, {
      certificates: JSON.stringify(entries.map((e: object) => ({ ...e, revoked: true }))),
    });
    const result = await run(cluster, revoked);
    strictEqual(tlsSecret(cluster, HOST), undefined);
    strictEqual(
      result.state.secrets?.find((s) => s.label?.startsWith(CERT_LABEL_PREFIX)),
      undefined,
    );
    deepStrictEqual(result.state.unitStatus, {
      status: "waiting",
      message: "Waiting for TLS certificates to be issued.",
    });
  }));

Deno.test("a revoked certificate listed beside its reissue: the reissue serves, its secret kept", () =>
  withCluster(async (cluster) => {
    const first = await run(cluster, ENFORCED);
    const issued = (await run(cluster, await issueAll(first.state))).state;
    const [entry] = JSON.parse(relation(issued, CERTS_ID).remoteAppData!.certificates);
    const reissued = await ca.sign(entry.certificate_signing_request);
    for (const order of ["revoked first", "reissue first"]) {
      const both = [{ ...entry, revoked: true }, { ...entry, certificate: reissued, chain: [] }];
      const result = await run(
        cluster,
        withProvider(issued, {
          certificates: JSON.stringify(order === "revoked first" ? both : both.reverse()),
        }),
      );
      const blocks = tlsSecret(cluster, HOST)!["tls.crt"].split("\n\n");
      strictEqual(blocks[0].trim(), reissued.trim(), order);
      const tracking = result.state.secrets?.find((s) => s.label?.startsWith(CERT_LABEL_PREFIX));
      strictEqual(tracking?.revisions.at(-1)?.content.certificate.trim(), reissued.trim(), order);
    }
  }));

Deno.test("secret-expired renews: a new CSR with the same key replaces the old one", () =>
  withCluster(async (cluster) => {
    const first = await run(cluster, ENFORCED);
    const issued = await run(cluster, await issueAll(first.state));
    const certSecret = issued.state.secrets!.find((s) => s.label?.startsWith(CERT_LABEL_PREFIX))!;
    const oldCsr = ourCsrs(issued.state)[0].certificate_signing_request;
    const renewed = await run(cluster, issued.state, {
      kind: "secret",
      name: "expired",
      secretId: certSecret.id,
      label: certSecret.label,
      revision: certSecret.revisions.at(-1)!.revision,
    });
    const newCsr = ourCsrs(renewed.state)[0].certificate_signing_request;
    notStrictEqual(newCsr, oldCsr);
    deepStrictEqual((await parseCsr(newCsr)).publicKey, (await parseCsr(oldCsr)).publicKey);
    strictEqual(
      renewed.state.secrets?.find((s) => s.id === certSecret.id),
      undefined,
      "old secret removed",
    );
    ok(
      tlsSecret(cluster, HOST),
      "the current certificate keeps serving while the renewal is pending",
    );
  }));

Deno.test("a hostname change replaces the CSR (same key) and the listeners", () =>
  withCluster(async (cluster) => {
    const first = await run(cluster, ENFORCED);
    const issued = await run(cluster, await issueAll(first.state));
    const changed = await run(cluster, {
      ...issued.state,
      config: { ...ENFORCED.config, "external-hostname": "new.example.com" },
    });
    const csrs = ourCsrs(changed.state);
    strictEqual(csrs.length, 1);
    const parsed = await parseCsr(csrs[0].certificate_signing_request);
    strictEqual(parsed.commonName, "new.example.com");
    deepStrictEqual(
      parsed.publicKey,
      (await parseCsr(ourCsrs(issued.state)[0].certificate_signing_request)).publicKey,
    );
    strictEqual(tlsSecret(cluster, HOST), undefined, "the old host's Secret is gone");
    deepStrictEqual(listeners(cluster).map((l) => l.name), [`${APP}-http-new-example-com`]);
  }));

Deno.test("CSRs are kept when validation fails for an unrelated reason", () =>
  withCluster(async (cluster) => {
    const first = await run(cluster, ENFORCED);
    const broken = await run(cluster, {
      ...first.state,
      config: { ...ENFORCED.config, "gateway-class": "nope" },
    });
    strictEqual(broken.state.unitStatus?.status, "blocked");
    deepStrictEqual(ourCsrs(broken.state), ourCsrs(first.state));
  }));

Deno.test("removing the certificates relation returns the Gateway to HTTP only", () =>
  withCluster(async (cluster) => {
    const enabled = { ...ENFORCED, config: { ...ENFORCED.config, "enforce-https": false } };
    const first = await run(cluster, enabled);
    const issued = await run(cluster, await issueAll(first.state));
    ok(listeners(cluster).some((l) => l.protocol === "HTTPS"));
    const dying = {
      ...issued.state,
      relations: issued.state.relations!.map((
        r,
      ) => (r.id === CERTS_ID ? { ...r, remoteUnits: {}, dying: true } : r)),
    };
    const result = await run(cluster, dying, {
      kind: "relation",
      name: "broken",
      relationId: CERTS_ID,
    });
    deepStrictEqual(listeners(cluster).map((l) => l.protocol), ["HTTP"]);
    deepStrictEqual(cluster.objects("Secret"), []);
    strictEqual(secretByLabel(result.state, KEY_LABEL), undefined, "the key secret is forgotten");
    deepStrictEqual(cluster.objects("HTTPRoute").map((r) => r.metadata.name), [`${APP}-web-http`]);
  }));

Deno.test("the three HTTPS modes: enforced, enabled, disabled", () =>
  withCluster(async (cluster) => {
    const routesOf = () =>
      Object.fromEntries(
        cluster.objects("HTTPRoute").map((route) => {
          const spec = specOf<{ rules: { filters?: { type: string }[] }[] }>(route);
          return [route.metadata.name, spec.rules[0].filters?.map((f) => f.type) ?? []];
        }),
      );
    const first = await run(cluster, ENFORCED);
    const enforced = await run(cluster, await issueAll(first.state));
    deepStrictEqual(routesOf(), {
      [`${APP}-http-redirect`]: ["RequestRedirect"],
      [`${APP}-web-https`]: ["ResponseHeaderModifier"],
    });
    const enabled = await run(cluster, {
      ...enforced.state,
      config: { ...ENFORCED.config, "enforce-https": false },
    });
    deepStrictEqual(routesOf(), { [`${APP}-web-http`]: [], [`${APP}-web-https`]: [] });
    strictEqual(
      JSON.parse(relation(enabled.state, 1).localAppData!.ingress).url,
      `https://${HOST}/testing-web`,
    );
    const disabled = await run(cluster, {
      ...enabled.state,
      relations: enabled.state.relations!.filter((r) => r.id !== CERTS_ID),
    });
    deepStrictEqual(routesOf(), { [`${APP}-web-http`]: [] });
    strictEqual(
      JSON.parse(relation(disabled.state, 1).localAppData!.ingress).url,
      `http://${HOST}/testing-web`,
    );
  }));

/** A gateway-route requirer with its application data. */
const route = (id: number, app: string, data: Record<string, string>): RelationState => ({
  id,
  endpoint: "gateway-route",
  remoteApp: app,
  remoteUnits: { [`${app}/0`]: {} },
  remoteAppData: data,
});

Deno.test("gateway-route: requirer hostnames feed listeners, CSRs and DNS; provider data after the address", () =>
  withCluster(async (cluster) => {
    const state: JujuState = {
      leader: true,
      config: { "gateway-class": "cilium", "hsts-max-age": 600 },
      relations: [
        route(5, "cfg", { hostname: '"a.example.com"', additional_hostnames: '["b.example.com"]' }),
        route(6, "bad", { hostname: '"not a host"' }),
        certificatesRelation(),
        { id: 7, endpoint: "dns-record", remoteApp: "bind", remoteUnits: { "bind/0": {} } },
      ],
    };
    const first = await run(cluster, state);
    deepStrictEqual(ourCsrs(first.state).length, 2);
    const issued = await run(cluster, await issueAll(first.state));
    cluster.setGatewayAddresses(APP, [{ value: "10.0.0.9" }]);
    const result = await run(cluster, issued.state, UPDATE);
    deepStrictEqual(listeners(cluster).map((l) => l.name), [
      `${APP}-http-a-example-com`,
      `${APP}-http-b-example-com`,
      `${APP}-https-a-example-com`,
      `${APP}-https-b-example-com`,
    ]);
    deepStrictEqual(
      cluster.objects("HTTPRoute"),
      [],
      "gateway-route requirers make their own routes",
    );
    const provider = relation(result.state, 5).localAppData!;
    deepStrictEqual(
      Object.fromEntries(Object.entries(provider).map(([k, v]) => [k, JSON.parse(v)])),
      {
        gateway_name: APP,
        gateway_model: "testing",
        https_mode: "enforced",
        gateway_address: "10.0.0.9",
        hsts_max_age: 600,
      },
    );
    deepStrictEqual(
      relation(result.state, 6).localAppData ?? {},
      {},
      "invalid requirers get nothing",
    );
    ok(result.state.unitStatus?.message.includes("bad:"), JSON.stringify(result.state.unitStatus));

    const dns = JSON.parse(relation(result.state, 7).localAppData!.dns_entries);
    deepStrictEqual(
      dns.map((e: { domain: string; record_data: string }) => [e.domain, e.record_data]),
      [
        ["a.example.com", "10.0.0.9"],
        ["b.example.com", "10.0.0.9"],
      ],
    );
    cluster.setGatewayAddresses(APP, [{ value: "10.0.0.10" }]);
    const moved = await run(cluster, result.state, UPDATE);
    const dnsMoved = JSON.parse(relation(moved.state, 7).localAppData!.dns_entries);
    ok(dnsMoved.every((e: { record_data: string }) => e.record_data === "10.0.0.10"));
    const none = await run(cluster, {
      ...moved.state,
      relations: moved.state.relations!.filter((r) => r.endpoint !== "gateway-route"),
    });
    strictEqual(relation(none.state, 7).localAppData?.dns_entries, undefined, "entries cleared");
  }));

Deno.test("gateway-route: a hostname with the listener name of the address's certificate is refused", () =>
  withCluster(async (cluster) => {
    // "ip" asks for no hostname: the Gateway's address gets a certificate and an HTTPS listener,
    // gateway-api-integrator-https-fd00-1--a, the name the listener of "fd00.1--a" would have.
    const state: JujuState = {
      leader: true,
      config: { "gateway-class": "cilium" },
      relations: [
        route(5, "ip", {}),
        route(6, "bad", { hostname: '"fd00.1--a"' }),
        certificatesRelation(),
      ],
    };
    const first = await run(cluster, state);
    cluster.setGatewayAddresses(APP, [{ value: "fd00:1::a" }]);
    const addressed = await run(cluster, await issueAll(first.state), UPDATE);
    const issued = await run(cluster, await issueAll(addressed.state), UPDATE);
    deepStrictEqual(issued.state.unitStatus, {
      status: "blocked",
      message: 'Invalid gateway-route relation data: bad: hostname "fd00.1--a" would share its ' +
        'Gateway listener with "fd00:1::a", the Gateway\'s address, which has a certificate: a ' +
        'listener\'s name has "-" for each "." of its hostname',
    });
    deepStrictEqual(listeners(cluster).map((l) => l.name), [
      `${APP}-http`,
      `${APP}-https-fd00-1--a`,
    ]);
    deepStrictEqual(
      relation(issued.state, 6).localAppData ?? {},
      {},
      "the refused requirer gets nothing",
    );
    strictEqual(JSON.parse(relation(issued.state, 5).localAppData!.gateway_address), "fd00:1::a");
  }));

Deno.test("get-certificate returns the certificate, CA and chain for a hostname", () =>
  withCluster(async (cluster) => {
    const first = await run(cluster, ENFORCED);
    const issued = await issueAll(first.state);
    const action: HookEvent = {
      kind: "action",
      name: "get-certificate",
      params: { hostname: HOST },
    };
    const result = await run(cluster, issued, action);
    strictEqual(result.action?.status, "completed", JSON.stringify(result.action));
    const results = result.action!.results as Record<string, string>;
    ok(results.certificate.startsWith("-----BEGIN CERTIFICATE-----"));
    strictEqual(results.ca.trim(), ca.caPem.trim());
    strictEqual(results.chain.split("\n\n").length, 2);
    const missing = await run(cluster, issued, {
      ...action,
      params: { hostname: "other.example.com" },
    });
    deepStrictEqual(
      missing.action?.message,
      "Missing or incomplete certificate data for other.example.com",
    );
    const none = await run(cluster, { leader: true }, action);
    deepStrictEqual(none.action?.message, "Certificate relation not ready.");
    strictEqual(none.toolCalls.filter((c) => c.tool === "action-fail").length, 1);
  }));

Deno.test("a hostname too long for a certificate blocks with a clear message instead of failing", () =>
  withCluster(async (cluster) => {
    const long = `${"a".repeat(60)}.example.com`;
    const result = await run(cluster, {
      ...ENFORCED,
      config: { ...ENFORCED.config, "external-hostname": long },
    });
    deepStrictEqual(result.state.unitStatus, {
      status: "blocked",
      message:
        `Cannot request TLS certificates: hostname ${long} is longer than 64 characters: no certificate can name it`,
    });
    deepStrictEqual(ourCsrs(result.state), []);
  }));
