/**
 * Refreshing the Python charm in place (`juju refresh --switch`): the cluster holds the objects
 * the Python charm wrote, the way it wrote them (created, then merge-patched or applied under the
 * application's field manager; anchor-charm §5), and Juju holds its databags and secrets (§6,
 * §7). The first hook adopts the objects, prunes what the new charm names differently, keeps the
 * URL, the key and the CSR, and never leaves the requirer without a route.
 */
import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import { type Cluster, startCluster } from "./cluster.ts";
import type { JujuState } from "./harness/juju/state.ts";
import { packedCharmDir, runHook } from "./harness/runner.ts";
import { createTestCa } from "./harness/tls_ca.ts";
import { createCsr } from "../src/tls/csr.ts";
import { generatePrivateKey } from "../src/tls/keys.ts";
import { ok0 } from "./blackbox.ts";

const APP = "gateway-api-integrator";
const HOST = "gw.example.com";
const LABEL = "gateway-api-integrator.charm.juju.is/managed-by";
const LIBID = "afd8c2bccf834997afce12c2706d2ede";
const GW_API = "gateway.networking.k8s.io/v1";
const charmDir = await packedCharmDir();
const ca = await createTestCa();

const KIND_PATHS: Record<string, string> = {
  Gateway: `/apis/${GW_API}/namespaces/testing/gateways`,
  HTTPRoute: `/apis/${GW_API}/namespaces/testing/httproutes`,
  Service: "/api/v1/namespaces/testing/services",
  Secret: "/api/v1/namespaces/testing/secrets",
};

/** One request as lightkube sends it, with the application as field manager. */
async function request(
  cluster: Cluster,
  method: string,
  path: string,
  contentType: string,
  body: unknown,
  query = "",
): Promise<void> {
  const response = await fetch(`${cluster.server.url}${path}?fieldManager=${APP}${query}`, {
    method,
    headers: { authorization: `Bearer ${cluster.server.token}`, "content-type": contentType },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  ok(response.ok, `${method} ${path}: ${response.status} ${text}`);
}

/** The Python charm's define_resource: create when absent; a later reconcile patches (merge
 * patch for the Gateway, server-side apply with force for the rest). */
async function pythonDefine(cluster: Cluster, object: Record<string, unknown>) {
  const kind = object.kind as string;
  const name = (object.metadata as { name: string }).name;
  const labelled = {
    ...object,
    metadata: { ...(object.metadata as object), labels: { [LABEL]: APP } },
  };
  await request(cluster, "POST", KIND_PATHS[kind], "application/json", labelled);
  if (kind === "Gateway") {
    await request(
      cluster,
      "PATCH",
      `${KIND_PATHS[kind]}/${name}`,
      "application/merge-patch+json",
      labelled,
    );
  } else {
    await request(
      cluster,
      "PATCH",
      `${KIND_PATHS[kind]}/${name}`,
      "application/apply-patch+yaml",
      labelled,
      "&force=true",
    );
  }
}

const dashed = HOST.replaceAll(".", "-");
const ALL = { namespaces: { from: "All" } };

/** What the Python charm leaves with one requirer `web`, HTTPS enforced (anchor-charm §5). */
async function pythonObjects(cluster: Cluster, chain: string, key: string) {
  await pythonDefine(cluster, {
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: `${APP}-secret-${HOST}` },
    type: "kubernetes.io/tls",
    stringData: { "tls.crt": chain, "tls.key": key },
  });
  await pythonDefine(cluster, {
    apiVersion: GW_API,
    kind: "Gateway",
    metadata: { name: APP },
    spec: {
      gatewayClassName: "cilium",
      listeners: [
        {
          protocol: "HTTP",
          port: 80,
          name: `${APP}-http-${dashed}`,
          hostname: HOST,
          allowedRoutes: ALL,
        },
        {
          protocol: "HTTPS",
          port: 443,
          name: `${APP}-https-${dashed}`,
          hostname: HOST,
          allowedRoutes: ALL,
          tls: { certificateRefs: [{ kind: "Secret", name: `${APP}-secret-${HOST}` }] },
        },
      ],
    },
  });
  await pythonDefine(cluster, {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: `${APP}-web-service` },
    spec: {
      ports: [{ port: 8080, name: "tcp-8080", targetPort: 8080 }],
      selector: { "app.kubernetes.io/name": "web" },
    },
  });
  const parent = (section: string) => [{ name: APP, namespace: "testing", sectionName: section }];
  await pythonDefine(cluster, {
    apiVersion: GW_API,
    kind: "HTTPRoute",
    metadata: { name: `${APP}-http` },
    spec: {
      parentRefs: parent(`${APP}-http-${dashed}`),
      hostnames: [HOST],
      rules: [{
        filters: [{
          type: "RequestRedirect",
          requestRedirect: { scheme: "https", statusCode: 301 },
        }],
      }],
    },
  });
  await pythonDefine(cluster, {
    apiVersion: GW_API,
    kind: "HTTPRoute",
    metadata: { name: `${APP}-https-${dashed}` },
    spec: {
      parentRefs: parent(`${APP}-https-${dashed}`),
      hostnames: [HOST],
      rules: [{
        matches: [{ path: { type: "PathPrefix", value: "/testing-web" } }],
        filters: [{
          type: "ResponseHeaderModifier",
          responseHeaderModifier: {
            add: [{ name: "Strict-Transport-Security", value: "max-age=31536000" }],
          },
        }],
        backendRefs: [{ name: `${APP}-web-service`, port: 8080 }],
      }],
    },
  });
  cluster.setGatewayAddresses(APP, [{ value: "10.0.0.9" }]);
}

async function sha256(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text.trim()));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** What Juju holds for the Python charm's unit (anchor-charm §6, §7): its databags and secrets. */
async function pythonJuju(key: string, csr: string, issued: Awaited<ReturnType<typeof ca.issue>>) {
  const state: JujuState = {
    leader: true,
    config: { "external-hostname": HOST, "gateway-class": "cilium" },
    unitStatus: { status: "active", message: "Gateway addresses: 10.0.0.9" },
    relations: [
      {
        id: 1,
        endpoint: "gateway",
        remoteApp: "web",
        remoteAppData: { model: '"testing"', name: '"web"', port: "8080" },
        remoteUnits: { "web/0": { host: '"web-0.web-endpoints.testing.svc.cluster.local"' } },
        localAppData: { ingress: JSON.stringify({ url: `https://${HOST}/testing-web` }) },
      },
      {
        id: 2,
        endpoint: "certificates",
        remoteApp: "ca",
        remoteUnits: { "ca/0": {} },
        localAppData: {
          certificate_signing_requests: JSON.stringify([
            { certificate_signing_request: csr, ca: false },
          ]),
        },
        remoteAppData: { certificates: JSON.stringify([{ ...issued, revoked: false }]) },
      },
    ],
    secrets: [
      {
        id: "d0pythonkey000000000",
        owner: "application",
        label: `${LIBID}-private-key-certificates`,
        revisions: [{ revision: 1, content: { "private-key": key } }],
      },
      {
        id: "d0pythoncert00000000",
        owner: "unit",
        label: `${LIBID}-certificate-certificates-${await sha256(csr)}`,
        revisions: [{ revision: 1, content: { certificate: issued.certificate, csr } }],
      },
    ],
  };
  return state;
}

const names = (cluster: Cluster, kind: string) =>
  cluster.objects(kind).map((object) => object.metadata.name).sort();

Deno.test("refreshing the Python charm in place adopts its objects, prunes the rest and keeps serving", async () => {
  const cluster = await startCluster();
  try {
    const key = await generatePrivateKey();
    const csr = await createCsr(key, { commonName: HOST, dnsNames: [HOST] });
    const issued = await ca.issue(csr);
    await pythonObjects(cluster, issued.chain.join("\n\n"), key);
    const before = await pythonJuju(key, csr, issued);
    const operations = (kind: string) =>
      (cluster.objects(kind)[0].metadata.managedFields as { manager: string; operation: string }[])
        .filter((entry) => entry.manager === APP).map((entry) => entry.operation).sort();
    deepStrictEqual(operations("Gateway"), ["Update"], "created and merge-patched");
    deepStrictEqual(operations("Service"), ["Apply", "Update"], "created, then applied");
    cluster.server.resetLog();

    const result = ok0(
      await runHook(charmDir, before, { kind: "hook", name: "upgrade-charm" }, {
        env: cluster.env,
      }),
    );

    // Adopted under the same names: the Gateway, its Secret, the Service.
    deepStrictEqual(names(cluster, "Gateway"), [APP]);
    deepStrictEqual(names(cluster, "Secret"), [`${APP}-secret-${HOST}`]);
    deepStrictEqual(names(cluster, "Service"), [`${APP}-web-service`]);
    for (const kind of ["Gateway", "Secret", "Service"]) {
      const object = cluster.objects(kind)[0];
      // The fields the Python charm's create and patches owned are now our apply's, so a field
      // we stop setting is removed (server-side apply never removes another manager's).
      const managers = (object.metadata.managedFields as { manager: string; operation: string }[])
        .filter((entry) => entry.manager === APP).map((entry) => entry.operation);
      deepStrictEqual(managers, ["Apply"], `${kind}: ${JSON.stringify(managers)}`);
      ok(
        object.metadata.annotations?.["gateway-api-integrator.charm.juju.is/desired-hash"],
        `${kind} adopted`,
      );
    }
    // The Python charm's routes are pruned for ours (one per requirer and listener, one redirect).
    deepStrictEqual(names(cluster, "HTTPRoute"), [`${APP}-http-redirect`, `${APP}-web-https`]);
    const gateway = cluster.objects("Gateway")[0] as unknown as {
      spec: { listeners: { name: string }[] };
    };
    deepStrictEqual(gateway.spec.listeners.map((listener) => listener.name), [
      `${APP}-http-${dashed}`,
      `${APP}-https-${dashed}`,
    ]);

    // Never a moment without a route to web: ours exist before the old ones go, and nothing the
    // routes need (Gateway, Secret, Service) is deleted.
    const requests = cluster.server.resourceRequests();
    const deletes = requests.filter((r) => r.method === "DELETE");
    deepStrictEqual(deletes.map((r) => r.path.split("/").slice(-2).join("/")).sort(), [
      `httproutes/${APP}-http`,
      `httproutes/${APP}-https-${dashed}`,
    ]);
    const firstDelete = requests.indexOf(deletes[0]);
    const ourRoutes = requests.filter((r) =>
      r.method === "PATCH" && r.resource === "httproutes" &&
      [`${APP}-http-redirect`, `${APP}-web-https`].some((name) => r.path.endsWith(`/${name}`))
    );
    strictEqual(ourRoutes.length, 2);
    ok(ourRoutes.every((r) => requests.indexOf(r) < firstDelete), "routes applied before pruning");

    // The URL stays published; the key and the CSR are the Python charm's; the status is Active.
    const relation = (id: number) => result.state.relations!.find((r) => r.id === id)!;
    strictEqual(
      relation(1).localAppData?.ingress,
      JSON.stringify({ url: `https://${HOST}/testing-web` }),
    );
    strictEqual(
      relation(2).localAppData?.certificate_signing_requests,
      before.relations![1].localAppData!.certificate_signing_requests,
      "no new CSR",
    );
    const keySecret = result.state.secrets!.find((s) =>
      s.label === `${LIBID}-private-key-certificates`
    );
    deepStrictEqual(keySecret?.revisions, before.secrets![0].revisions);
    strictEqual(keySecret?.owner, "application");
    deepStrictEqual(result.state.unitStatus, {
      status: "active",
      message: "Gateway addresses: 10.0.0.9",
    });
    const served = cluster.objects("Secret")[0] as unknown as { data: Record<string, string> };
    strictEqual(atob(served.data["tls.key"]), key.trim(), "the Python charm's key serves on");

    // The next hook finds nothing to do.
    cluster.server.resetLog();
    ok0(
      await runHook(charmDir, result.state, { kind: "hook", name: "update-status" }, {
        env: cluster.env,
      }),
    );
    deepStrictEqual(cluster.server.resourceRequests().filter((r) => r.method !== "GET"), []);
  } finally {
    await cluster.close();
  }
});
