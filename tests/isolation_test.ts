/**
 * One requirer's trouble is its own (issue 8), against the packed charm: an object the API server
 * rejects (422) costs only the requirer it belongs to, a rejected Gateway still blocks everything,
 * usable certificates beside unusable ones are served, and the get-certificate action fails
 * cleanly on provider data it cannot use.
 */
import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import type { Cluster } from "./cluster.ts";
import type { HookEvent, JujuState } from "./harness/juju/state.ts";
import { createTestCa } from "./harness/tls_ca.ts";
import {
  APP,
  certificates,
  CERTS_ID,
  CHANGED,
  ENFORCED,
  HOST,
  HTTP,
  ingress,
  names,
  relation,
  run,
  UPDATE,
  url,
  withCluster,
} from "./hostile.ts";

const ca = await createTestCa();

const requirer = (id: number, app: string, port = 8080) => ingress(id, app, { port: String(port) });

/** The API server refuses to apply the named object (as it refuses an invalid one). */
function refuse(cluster: Cluster, plural: string, name: string) {
  cluster.server.fault({
    method: "PATCH",
    pathIncludes: `/${plural}/${name}?`,
    status: 422,
    reason: "Invalid",
    message: `${name} is invalid: spec: Invalid value`,
  });
}

Deno.test("a Service the API rejects costs only its requirer: the others keep their objects and URLs", () =>
  withCluster(async (cluster) => {
    refuse(cluster, "services", `${APP}-api-service`);
    const state: JujuState = {
      leader: true,
      config: HTTP,
      relations: [requirer(1, "web"), requirer(2, "api")],
    };
    const first = await run(cluster, state, CHANGED);
    const blocked = {
      status: "blocked",
      message:
        `Kubernetes rejected the objects of api: Service/${APP}-api-service: ${APP}-api-service ` +
        "is invalid: spec: Invalid value",
    };
    deepStrictEqual(first.state.unitStatus, blocked);
    ok(
      first.logs.some((log) => log.level === "WARNING" && log.message.includes("api:")),
      JSON.stringify(first.logs),
    );
    deepStrictEqual(names(cluster, "Service"), [`${APP}-web-service`]);
    deepStrictEqual(names(cluster, "HTTPRoute"), [`${APP}-web-http`], "api's route is removed");
    cluster.setGatewayAddresses(APP, [{ value: "10.0.0.9" }]);
    const addressed = await run(cluster, first.state, UPDATE);
    deepStrictEqual(addressed.state.unitStatus, blocked);
    strictEqual(url(addressed, 1), `http://${HOST}/testing-web`);
    strictEqual(url(addressed, 2), undefined);

    // Once the API accepts it, the requirer gets its objects and URL.
    cluster.server.clearRules();
    const healed = await run(cluster, addressed.state, UPDATE);
    strictEqual(healed.state.unitStatus?.status, "active");
    strictEqual(url(healed, 2), `http://${HOST}/testing-api`);
    deepStrictEqual(names(cluster, "Service"), [`${APP}-api-service`, `${APP}-web-service`]);

    // A rejected update of a live requirer's route removes its objects and withdraws its URL.
    refuse(cluster, "httproutes", `${APP}-api-http`);
    const changed = await run(cluster, {
      ...healed.state,
      relations: healed.state.relations!.map((r) =>
        r.id === 2 ? { ...requirer(2, "api", 9090), localAppData: r.localAppData } : r
      ),
    }, UPDATE);
    ok(
      changed.state.unitStatus?.message.startsWith(
        `Kubernetes rejected the objects of api: HTTPRoute/${APP}-api-http: `,
      ),
      JSON.stringify(changed.state.unitStatus),
    );
    strictEqual(url(changed, 1), `http://${HOST}/testing-web`);
    strictEqual(url(changed, 2), undefined);
    deepStrictEqual(names(cluster, "Service"), [`${APP}-web-service`]);
    deepStrictEqual(names(cluster, "HTTPRoute"), [`${APP}-web-http`]);
  }));

Deno.test("a rejected Gateway still blocks the whole application", () =>
  withCluster(async (cluster) => {
    refuse(cluster, "gateways", APP);
    const result = await run(cluster, {
      leader: true,
      config: HTTP,
      relations: [requirer(1, "web")],
    }, CHANGED);
    deepStrictEqual(result.state.unitStatus, {
      status: "blocked",
      message: `Kubernetes rejected Gateway/${APP}: ${APP} is invalid: spec: Invalid value`,
    });
    strictEqual(url(result, 1), undefined);
  }));

// --- certificates: usable entries beside unusable ones ---

/** The provider's answer: our CSR signed, between entries it cannot use. */
async function answered(state: JujuState): Promise<JujuState> {
  const ours = relation(state, CERTS_ID).localAppData!.certificate_signing_requests;
  const csr: string = JSON.parse(ours)[0].certificate_signing_request;
  const certificate = await ca.sign(csr);
  const entries = [
    { certificate_signing_request: csr, certificate, chain: [certificate] }, // no ca
    { ca: ca.caPem, certificate_signing_request: csr, certificate, chain: [certificate, 7] },
    "not an entry",
    { ca: ca.caPem, certificate_signing_request: csr, certificate, chain: [certificate, ca.caPem] },
  ];
  return {
    ...state,
    relations: state.relations!.map((r) =>
      r.id === CERTS_ID
        ? {
          ...r,
          remoteAppData: {
            certificates: JSON.stringify(entries),
            request_errors: '[{"csr": 1}]',
          },
        }
        : r
    ),
  };
}

const TLS: JujuState = {
  leader: true,
  config: ENFORCED,
  relations: [requirer(1, "web"), certificates()],
};

Deno.test("a usable certificate beside unusable entries is served; the others are logged", () =>
  withCluster(async (cluster) => {
    const first = await run(cluster, TLS, CHANGED);
    cluster.setGatewayAddresses(APP, [{ value: "10.0.0.9" }]);
    const result = await run(cluster, await answered(first.state), UPDATE);
    deepStrictEqual(result.state.unitStatus, {
      status: "active",
      message: "Gateway addresses: 10.0.0.9",
    });
    strictEqual(url(result, 1), `https://${HOST}/testing-web`);
    ok(names(cluster, "Secret").includes(`${APP}-secret-${HOST}`));
    const warnings = result.logs.filter((log) => log.level === "WARNING").map((log) => log.message);
    for (
      const field of [
        "certificates[0].ca",
        "certificates[1].chain[1]",
        "certificates[2]",
        "request_errors[0].csr",
      ]
    ) {
      ok(warnings.some((message) => message.includes(`field "${field}"`)), `${field}: ${warnings}`);
    }
  }));

Deno.test("get-certificate fails cleanly on provider data it cannot use, and finds usable entries", () =>
  withCluster(async (cluster) => {
    const first = await run(cluster, TLS, CHANGED);
    const action = (hostname: string): HookEvent => ({
      kind: "action",
      name: "get-certificate",
      params: { hostname },
    });
    for (
      const data of [
        { certificates: "not json" },
        { certificates: '{"ca": 1}' },
        { certificates: '[{"certificate": "x"}]' },
        { certificates: "\u0000" },
      ]
    ) {
      const broken = {
        ...first.state,
        relations: first.state.relations!.map((r) =>
          r.id === CERTS_ID ? { ...r, remoteAppData: data } : r
        ),
      };
      const result = await run(cluster, broken, action(HOST));
      deepStrictEqual(result.action?.status, "failed", JSON.stringify(data));
      strictEqual(result.action?.message, `Missing or incomplete certificate data for ${HOST}`);
      ok(result.logs.some((log) => log.level === "WARNING" && log.message.includes("field")));
    }
    const found = await run(cluster, await answered(first.state), action(HOST));
    strictEqual(found.action?.status, "completed", JSON.stringify(found.action));
    // A control character in the parameter is escaped in the failure, never passed raw.
    const odd = await run(cluster, first.state, action("gw\u0000\u001b.example.com"));
    strictEqual(
      odd.action?.message,
      "Missing or incomplete certificate data for gw\\u0000\\u001b.example.com",
    );
  }));

Deno.test("our own CSR list that does not read (an earlier charm's) is logged and rewritten", () =>
  withCluster(async (cluster) => {
    const state: JujuState = {
      ...TLS,
      relations: TLS.relations!.map((r) =>
        r.id === CERTS_ID
          ? { ...r, localAppData: { certificate_signing_requests: '[{"ca": false}, "x"]' } }
          : r
      ),
    };
    const result = await run(cluster, state, CHANGED);
    deepStrictEqual(result.state.unitStatus, {
      status: "waiting",
      message: "Waiting for TLS certificates to be issued.",
    });
    const ours = relation(result.state, CERTS_ID).localAppData!.certificate_signing_requests;
    const csrs: { certificate_signing_request: string }[] = JSON.parse(ours);
    strictEqual(csrs.length, 1);
    ok(csrs[0].certificate_signing_request.startsWith("-----BEGIN CERTIFICATE REQUEST-----"));
    const warnings = result.logs.filter((log) => log.level === "WARNING").map((log) => log.message);
    for (const field of ["[0].certificate_signing_request", "[1]"]) {
      ok(
        warnings.some((m) => m.includes(`field "certificate_signing_requests${field}"`)),
        `${field}: ${warnings}`,
      );
    }
  }));
