/**
 * The Kubernetes client and the owned-object reconcile against the fake API server over HTTPS,
 * each test once per transport (fetch, and the real client-node): requests sent, SSA field
 * removal, garbage collection, clashes, and every error kind.
 */
import { deepStrictEqual, ok, rejects, strictEqual } from "node:assert/strict";
import { connect, type KubeClient, TRANSPORTS } from "../../src/k8s/client.ts";
import { loadKubeConfig } from "../../src/k8s/client_node.ts";
import { MANAGED_BY, reconcileOwned, withOwnership } from "../../src/k8s/reconcile.ts";
import { KINDS, KubeError, type KubeObject } from "../../src/k8s/types.ts";
import { type FakeApiServer, startFakeApiServer } from "../harness/k8s/mod.ts";
import { kubeConfigFor } from "../harness/k8s/client.ts";
import { KubernetesObjectApi } from "@kubernetes/client-node";

const NS = "demo";
const APP = "gateway-api-integrator";
// client-node keeps pooled connections and timers between tests.
const opts = { sanitizeOps: false, sanitizeResources: false };
const SA_PATH = "/var/run/secrets/kubernetes.io/serviceaccount";
const SA_ROOT = await Deno.makeTempDir();
await Deno.mkdir(`${SA_ROOT}${SA_PATH}`, { recursive: true });
await Deno.writeTextFile(`${SA_ROOT}${SA_PATH}/token`, "token");
await Deno.writeTextFile(`${SA_ROOT}${SA_PATH}/ca.crt`, "ca");

/** Runs the test once per transport, each against a new HTTPS server, with a token kubeconfig. */
async function withServer(
  test: (server: FakeApiServer, client: KubeClient) => Promise<void>,
  timeoutMs?: number,
): Promise<void> {
  for (const transport of TRANSPORTS) {
    const server = await startFakeApiServer({ namespaces: [NS], tls: true });
    const dir = await Deno.makeTempDir();
    try {
      await server.writeKubeconfig(`${dir}/config`, NS);
      const client = await connect({
        namespace: NS,
        fieldManager: APP,
        env: { KUBECONFIG: `${dir}/config` },
        timeoutMs,
        // Retries wait 1 ms here: the waits themselves are tested in rest_test.ts.
        maxRetryDelayMs: 1,
        transport,
      });
      await test(server, client);
    } catch (error) {
      if (error instanceof Error) error.message = `[${transport}] ${error.message}`;
      throw error;
    } finally {
      await server.close();
      await Deno.remove(dir, { recursive: true });
    }
  }
}

function gateway(listeners: string[]): KubeObject {
  return {
    apiVersion: "gateway.networking.k8s.io/v1",
    kind: "Gateway",
    metadata: { name: APP },
    spec: {
      gatewayClassName: "cilium",
      listeners: listeners.map((name) => ({
        name,
        port: 80,
        protocol: "HTTP",
        hostname: `${name}.example.com`,
        allowedRoutes: { namespaces: { from: "All" } },
      })),
    },
  };
}

function route(name: string, stripPrefix: boolean): KubeObject {
  return {
    apiVersion: "gateway.networking.k8s.io/v1",
    kind: "HTTPRoute",
    metadata: { name },
    spec: {
      parentRefs: [{ name: APP, namespace: NS }],
      rules: [{
        matches: [{ path: { type: "PathPrefix", value: "/demo-web" } }],
        filters: stripPrefix
          ? [{
            type: "URLRewrite",
            urlRewrite: { path: { type: "ReplacePrefixMatch", replacePrefixMatch: "/" } },
          }]
          : [],
        backendRefs: [{ name: `${APP}-web-service`, port: 8080 }],
      }],
    },
  };
}

function service(name: string, ports: number[]): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name },
    spec: {
      ports: ports.map((port) => ({ port, name: `tcp-${port}`, targetPort: port })),
      selector: { "app.kubernetes.io/name": "web" },
    },
  };
}

async function failsWith(
  promise: Promise<unknown>,
  kind: string,
  check?: (error: KubeError) => void,
) {
  await rejects(promise, (error: unknown) => {
    ok(error instanceof KubeError, String(error));
    strictEqual(error.kind, kind, error.message);
    check?.(error);
    return true;
  });
}

Deno.test(
  "apply creates with SSA: fieldManager = app, force, apply-patch+yaml",
  opts,
  () =>
    withServer(async (server, client) => {
      await client.apply(KINDS.service, service("svc", [80]));
      const [request] = server.resourceRequests({ method: "PATCH" });
      strictEqual(request.path, `/api/v1/namespaces/${NS}/services/svc`);
      strictEqual(request.contentType, "application/apply-patch+yaml");
      strictEqual(request.query.fieldManager, APP);
      strictEqual(request.query.force, "true");
      strictEqual(
        (server.get("Service", NS, "svc") as KubeObject | undefined)?.metadata.name,
        "svc",
      );
      strictEqual(client.requests, 1);
    }),
);

Deno.test(
  "get returns null for a missing object; list filters by label",
  opts,
  () =>
    withServer(async (server, client) => {
      strictEqual(await client.get(KINDS.gateway, "nope"), null);
      server.seed({
        ...service("mine", [80]),
        metadata: { name: "mine", namespace: NS, labels: { a: "1" } },
      });
      server.seed({
        ...service("other", [80]),
        metadata: { name: "other", namespace: NS, labels: { a: "2" } },
      });
      const listed = await client.list(KINDS.service, "a=1");
      deepStrictEqual(listed.map((object) => [object.kind, object.metadata.name]), [[
        "Service",
        "mine",
      ]]);
    }),
);

Deno.test(
  "GatewayClasses are listed cluster-wide",
  opts,
  () =>
    withServer(async (server, client) => {
      server.seed({
        apiVersion: "gateway.networking.k8s.io/v1",
        kind: "GatewayClass",
        metadata: { name: "cilium" },
        spec: { controllerName: "io.cilium/gateway-controller" },
      });
      const classes = await client.list(KINDS.gatewayClass);
      deepStrictEqual(classes.map((object) => object.metadata.name), ["cilium"]);
      strictEqual(
        server.resourceRequests()[0].path,
        "/apis/gateway.networking.k8s.io/v1/gatewayclasses",
      );
    }),
);

Deno.test(
  "removing a listener, a filter or a port from the desired object removes it live",
  opts,
  () =>
    withServer(async (server, client) => {
      await client.apply(KINDS.gateway, gateway(["a", "b"]));
      await client.apply(KINDS.gateway, gateway(["b"]));
      const live = server.get("Gateway", NS, APP) as { spec: { listeners: { name: string }[] } };
      deepStrictEqual(live.spec.listeners.map((listener) => listener.name), ["b"]);

      await client.apply(KINDS.httpRoute, route("r", true));
      await client.apply(KINDS.httpRoute, route("r", false));
      const liveRoute = server.get("HTTPRoute", NS, "r") as {
        spec: { rules: { filters?: unknown[] }[] };
      };
      deepStrictEqual(liveRoute.spec.rules[0].filters ?? [], []);

      await client.apply(KINDS.service, service("svc", [80, 81]));
      await client.apply(KINDS.service, service("svc", [81]));
      const liveService = server.get("Service", NS, "svc") as {
        spec: { ports: { port: number }[] };
      };
      deepStrictEqual(liveService.spec.ports.map((port) => port.port), [81]);
    }),
);

Deno.test(
  "reconcile: first run applies, second run sends zero writes",
  opts,
  () =>
    withServer(async (server, client) => {
      const sets = [
        { kind: KINDS.gateway, objects: [gateway(["a"])] },
        { kind: KINDS.service, objects: [service(`${APP}-web-service`, [8080])] },
        { kind: KINDS.httpRoute, objects: [route(`${APP}-http`, true)] },
      ];
      const first = await reconcileOwned(client, APP, sets);
      strictEqual(first.applied.length, 3);
      server.resetLog();
      const second = await reconcileOwned(client, APP, sets);
      deepStrictEqual({ ...second, live: undefined }, {
        live: undefined,
        applied: [],
        deleted: [],
        unchanged: [`Gateway/${APP}`, `Service/${APP}-web-service`, `HTTPRoute/${APP}-http`],
        adopted: [],
        rejected: [],
      });
      const writes = server.resourceRequests().filter((request) => request.method !== "GET");
      deepStrictEqual(writes, []);
      strictEqual(server.resourceRequests().length, 3);
    }),
);

Deno.test(
  "reconcile: a removed listener is applied and gone; unwanted objects are deleted",
  opts,
  () =>
    withServer(async (server, client) => {
      await reconcileOwned(client, APP, [
        { kind: KINDS.gateway, objects: [gateway(["a", "b"])] },
        { kind: KINDS.service, objects: [service("s1", [80]), service("s2", [81])] },
      ]);
      const report = await reconcileOwned(client, APP, [
        { kind: KINDS.gateway, objects: [gateway(["a"])] },
        { kind: KINDS.service, objects: [service("s2", [81])] },
      ]);
      deepStrictEqual(report.applied, [`Gateway/${APP}`]);
      deepStrictEqual(report.deleted, ["Service/s1"]);
      const live = server.get("Gateway", NS, APP) as { spec: { listeners: { name: string }[] } };
      deepStrictEqual(live.spec.listeners.map((listener) => listener.name), ["a"]);
      strictEqual(server.get("Service", NS, "s1"), undefined);
    }),
);

Deno.test(
  "reconcile never touches unlabelled objects or another integrator's",
  opts,
  () =>
    withServer(async (server, client) => {
      server.seed({ ...service("foreign", [80]), metadata: { name: "foreign", namespace: NS } });
      server.seed({
        ...service("theirs", [80]),
        metadata: { name: "theirs", namespace: NS, labels: { [MANAGED_BY]: "other-integrator" } },
      });
      await reconcileOwned(client, APP, [{
        kind: KINDS.service,
        objects: [service("mine", [80])],
      }]);
      await reconcileOwned(client, APP, [{ kind: KINDS.service, objects: [] }]);
      deepStrictEqual(
        (server.objects("Service", NS) as KubeObject[]).map((object) => object.metadata.name)
          .sort(),
        [
          "foreign",
          "theirs",
        ],
      );
    }),
);

Deno.test(
  "reconcile refuses to take over an object of the same name it does not own",
  opts,
  () =>
    withServer(async (server, client) => {
      server.seed({ ...service("web", [80]), metadata: { name: "web", namespace: NS } });
      await failsWith(
        reconcileOwned(client, APP, [{ kind: KINDS.service, objects: [service("web", [8080])] }]),
        "conflict",
        (error) =>
          ok(
            error.message.includes(`Service ${NS}/web already exists and is not managed by ${APP}`),
          ),
      );
      strictEqual(server.resourceRequests({ method: "PATCH" }).length, 0);
    }),
);

Deno.test(
  "403 is forbidden, with the API's message",
  opts,
  () =>
    withServer(async (server, client) => {
      server.deny({ verb: "patch", resource: "services" });
      await failsWith(client.apply(KINDS.service, service("svc", [80])), "forbidden", (error) => {
        strictEqual(error.details.status, 403);
        strictEqual(error.details.reason, "Forbidden");
        ok(error.message.includes('cannot patch resource "services"'), error.message);
      });
    }),
);

Deno.test(
  "422 is invalid, with the field and message of each cause",
  opts,
  () =>
    withServer(async (_server, client) => {
      await failsWith(
        client.apply(KINDS.service, service("Not_A_Name", [80])),
        "invalid",
        (error) => {
          strictEqual(error.details.status, 422);
          ok(
            error.details.causes?.some((cause) => cause.field === "metadata.name"),
            JSON.stringify(error.details),
          );
        },
      );
      const bad = gateway(["UPPER"]);
      await failsWith(client.apply(KINDS.gateway, bad), "invalid", (error) => {
        ok(
          error.details.causes?.some((cause) => cause.field.startsWith("spec.listeners[0].name")),
          error.message,
        );
      });
    }),
);

Deno.test(
  "409 from the API is a conflict; 5xx and timeouts are unavailable, once retries are spent",
  opts,
  () =>
    withServer(async (server, client) => {
      server.fault({ method: "PATCH", status: 409 });
      await failsWith(client.apply(KINDS.service, service("svc", [80])), "conflict");
      strictEqual(server.resourceRequests({ method: "PATCH" }).length, 4);
      server.clearRules();
      server.fault({ method: "GET", status: 503 });
      await failsWith(
        client.list(KINDS.service),
        "unavailable",
        (error) => strictEqual(error.details.status, 503),
      );
      server.clearRules();
      server.fault({ method: "GET", timeout: true });
      await failsWith(
        client.get(KINDS.service, "svc"),
        "unavailable",
        (error) => ok(/timed out/.test(error.message)),
      );
      strictEqual(server.resourceRequests({ verb: "get" }).filter((r) => r.hung).length, 4);
    }, 300),
);

Deno.test(
  "a reset, a 503 with Retry-After, a 429 and a stalled request are retried until answered",
  opts,
  () =>
    withServer(async (server, client) => {
      server.fault({ method: "GET", reset: true, times: 1 });
      server.fault({ method: "GET", status: 503, retryAfterSeconds: 1, times: 1 });
      server.fault({ method: "GET", status: 429, retryAfterSeconds: 1, times: 1 });
      deepStrictEqual(await client.list(KINDS.service), []);
      deepStrictEqual(
        server.resourceRequests({ verb: "list" }).map((r) => r.fault ?? r.status),
        ["reset", "503", "429", 200],
      );
      server.fault({ method: "PATCH", timeout: true, times: 1 });
      server.fault({ method: "PATCH", status: 504, times: 1 });
      await client.apply(KINDS.service, service("svc", [80]));
      deepStrictEqual(
        server.resourceRequests({ method: "PATCH" }).map((r) => r.fault ?? r.status),
        ["timeout", "504", 201],
      );
      strictEqual(client.retries, 5);
    }, 300),
);

Deno.test(
  "delete of an object that is already gone is not an error",
  opts,
  () =>
    withServer(async (_server, client) => {
      await client.delete(KINDS.service, "never-existed");
    }),
);

Deno.test("connection refused is unavailable", opts, async () => {
  const server = await startFakeApiServer({ namespaces: [NS], tls: true });
  const dir = await Deno.makeTempDir();
  await server.writeKubeconfig(`${dir}/config`, NS);
  await server.close();
  try {
    for (const transport of TRANSPORTS) {
      const client = await connect({
        namespace: NS,
        fieldManager: APP,
        env: { KUBECONFIG: `${dir}/config` },
        transport,
      });
      await failsWith(
        client.list(KINDS.service),
        "unavailable",
        (error) => ok(/cannot reach/.test(error.message), `${transport}: ${error.message}`),
      );
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("missing or broken configuration is a clear error, never a localhost fallback", async () => {
  const configError = (pattern: RegExp) => (error: unknown) => {
    ok(error instanceof KubeError && error.kind === "config", String(error));
    ok(pattern.test(error.message), error.message);
    return true;
  };
  for (const transport of TRANSPORTS) {
    const make = (env: Record<string, string>, serviceAccountPrefix?: string) =>
      connect({ namespace: NS, fieldManager: APP, env, serviceAccountPrefix, transport });
    await rejects(make({}), configError(/not running in a pod .* KUBECONFIG is not set/));
    for (
      const [env, prefix, pattern] of [
        [
          { KUBECONFIG: "/nonexistent/config" },
          undefined,
          /missing file\(s\): \/nonexistent\/config/,
        ],
        [
          { KUBERNETES_SERVICE_HOST: "10.0.0.1", KUBERNETES_SERVICE_PORT: "443" },
          "/nonexistent",
          /service-account file/,
        ],
      ] as const
    ) {
      await rejects(make(env, prefix), configError(pattern));
    }
  }
});

Deno.test("a kubeconfig that is not one is a configuration error", async () => {
  const file = await Deno.makeTempFile();
  try {
    for (const text of ["this: [is not a kubeconfig", "[1, 2]", "clusters: 3", "{}"]) {
      await Deno.writeTextFile(file, text);
      for (const transport of TRANSPORTS) {
        await rejects(
          connect({ namespace: NS, fieldManager: APP, env: { KUBECONFIG: file }, transport }),
          (error: unknown) => error instanceof KubeError && error.kind === "config",
          `${transport}: ${text}`,
        );
      }
    }
  } finally {
    await Deno.remove(file);
  }
});

Deno.test("in a pod the API server, CA and rotating token come from the service account", () => {
  for (
    const [host, server] of [["10.152.183.1", "https://10.152.183.1:443"], [
      "fd00::1",
      "https://[fd00::1]:443",
    ]]
  ) {
    const kc = loadKubeConfig({
      namespace: NS,
      fieldManager: APP,
      env: {
        KUBERNETES_SERVICE_HOST: host,
        KUBERNETES_SERVICE_PORT: "443",
        KUBECONFIG: "/ignored",
      },
      serviceAccountPrefix: SA_ROOT,
    });
    const cluster = kc.getCurrentCluster();
    strictEqual(cluster?.server, server);
    strictEqual(cluster?.caFile, `${SA_ROOT}${SA_PATH}/ca.crt`);
    strictEqual(cluster?.skipTLSVerify, false);
    deepStrictEqual(kc.getCurrentUser()?.authProvider, {
      name: "tokenFile",
      config: { tokenFile: `${SA_ROOT}${SA_PATH}/token` },
    });
  }
});

Deno.test("404 outside get and delete is not-found, with the API's message", opts, async () => {
  const server = await startFakeApiServer({ namespaces: [NS], tls: true });
  const dir = await Deno.makeTempDir();
  try {
    await server.writeKubeconfig(`${dir}/config`, NS);
    for (const transport of TRANSPORTS) {
      const client = await connect({
        namespace: "no-such-model",
        fieldManager: APP,
        env: { KUBECONFIG: `${dir}/config` },
        transport,
      });
      await failsWith(client.apply(KINDS.service, service("svc", [80])), "not-found", (error) => {
        strictEqual(error.details.status, 404);
        ok(error.message.includes('namespaces "no-such-model" not found'), error.message);
      });
    }
  } finally {
    await server.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test(
  "objects an earlier charm wrote with create and merge patch are adopted: stale fields go",
  opts,
  () =>
    withServer(async (server, client) => {
      // What the Python charm left: a Gateway created by POST and merge-patched, both as "Update"
      // operations of the field manager that has the application's name.
      const python = await withOwnership(APP, gateway(["old-a", "old-b"]));
      delete python.metadata.annotations;
      const kc = kubeConfigFor(server, NS);
      const api = KubernetesObjectApi.makeApiClient(kc);
      await api.create(
        { ...python, metadata: { ...python.metadata, namespace: NS } },
        undefined,
        undefined,
        APP,
      );
      const report = await reconcileOwned(client, APP, [{
        kind: KINDS.gateway,
        objects: [gateway(["new"])],
      }]);
      deepStrictEqual(report.adopted, [`Gateway/${APP}`]);
      const live = server.get("Gateway", NS, APP) as { spec: { listeners: { name: string }[] } };
      deepStrictEqual(live.spec.listeners.map((listener) => listener.name), ["new"]);
      const again = await reconcileOwned(client, APP, [{
        kind: KINDS.gateway,
        objects: [gateway(["new"])],
      }]);
      deepStrictEqual(again.adopted, []);
      deepStrictEqual(again.applied, []);
    }),
);

Deno.test(
  "without adoption an Update-owned field would survive an apply (the problem adoption solves)",
  opts,
  () =>
    withServer(async (server, client) => {
      const kc = kubeConfigFor(server, NS);
      const api = KubernetesObjectApi.makeApiClient(kc);
      const labelled = await withOwnership(APP, gateway(["old-a", "old-b"]));
      await api.create(
        { ...labelled, metadata: { ...labelled.metadata, namespace: NS } },
        undefined,
        undefined,
        APP,
      );
      await client.apply(KINDS.gateway, await withOwnership(APP, gateway(["new"])));
      const live = server.get("Gateway", NS, APP) as { spec: { listeners: { name: string }[] } };
      deepStrictEqual(live.spec.listeners.map((listener) => listener.name).sort(), [
        "new",
        "old-a",
        "old-b",
      ]);
    }),
);
