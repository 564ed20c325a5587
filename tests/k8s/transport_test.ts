/**
 * How the charm reaches the API server: which transport a configuration takes, and that each
 * credential works over HTTPS against the fake server with its own CA: bearer token, token file
 * (re-read by every connect, so a rotated token works in the next hook), client certificate, the
 * pod's service account; a wrong CA is refused; unanswered requests are bounded. Each HTTPS test
 * runs twice: against the fake alone (HTTP/1.1) and with HTTP/2 offered, as kube-apiserver offers it.
 */
import { deepStrictEqual, ok, rejects, strictEqual } from "node:assert/strict";
import { connect, type KubeClient, TRANSPORTS, tuningFromEnv } from "../../src/k8s/client.ts";
import { resolveConfig, SERVICE_ACCOUNT_DIR } from "../../src/k8s/kubeconfig.ts";
import { KINDS, KubeError } from "../../src/k8s/types.ts";
import { type FakeApiServer, startFakeApiServer } from "../harness/k8s/mod.ts";
import { createTestCa } from "../harness/tls_ca.ts";

const NS = "demo";
const APP = "gateway-api-integrator";
// client-node keeps pooled connections and timers between tests.
const opts = { sanitizeOps: false, sanitizeResources: false };

const base64 = (text: string) => btoa(String.fromCharCode(...new TextEncoder().encode(text)));

async function withTls(
  test: (server: FakeApiServer, dir: string) => Promise<void>,
  http2 = false,
) {
  const server = await startFakeApiServer({ namespaces: [NS], tls: true, http2 });
  const dir = await Deno.makeTempDir();
  try {
    await test(server, dir);
  } finally {
    await server.close();
    await Deno.remove(dir, { recursive: true });
  }
}

/**
 * A test over HTTPS, twice: against the fake alone (HTTP/1.1) and with HTTP/2 offered by ALPN, as
 * kube-apiserver offers it (both transports then speak HTTP/2).
 */
function httpsTest(name: string, test: (server: FakeApiServer, dir: string) => Promise<void>) {
  Deno.test(name, opts, () => withTls(test));
  Deno.test(`${name} (HTTP/2 offered)`, opts, () =>
    withTls(async (server, dir) => {
      await test(server, dir);
      ok(server.requests.every((request) => request.httpVersion === "2.0"));
    }, true));
}

function kubeconfigClient(path: string, transport?: "fetch" | "client-node") {
  return connect({ namespace: NS, fieldManager: APP, env: { KUBECONFIG: path }, transport });
}

async function listsOk(client: KubeClient, server: FakeApiServer) {
  server.resetLog();
  deepStrictEqual(await client.list(KINDS.service), []);
  strictEqual(server.requests.at(-1)?.status, 200);
}

function kubeconfigJson(cluster: Record<string, unknown>, user: Record<string, unknown>): string {
  return JSON.stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: "c", cluster }],
    users: [{ name: "u", user }],
    contexts: [{ name: "x", context: { cluster: "c", user: "u" } }],
    "current-context": "x",
  });
}

Deno.test("kubeconfigs with plugins go to client-node; token and certificate ones to fetch", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const server = { server: "https://10.0.0.1:6443", "certificate-authority-data": base64("ca") };
    const cases: [Record<string, unknown>, Record<string, unknown>, string][] = [
      [server, { token: "t" }, "fetch"],
      [server, { tokenFile: `${dir}/token` }, "fetch"],
      [server, { "client-certificate-data": base64("c"), "client-key-data": base64("k") }, "fetch"],
      [
        server,
        { exec: { command: "aws", apiVersion: "client.authentication.k8s.io/v1" } },
        "client-node",
      ],
      [server, { "auth-provider": { name: "oidc", config: {} } }, "client-node"],
      [server, { username: "a", password: "b" }, "client-node"],
      [{ ...server, "proxy-url": "http://proxy:3128" }, { token: "t" }, "client-node"],
      [
        { server: "https://10.0.0.1:6443", "insecure-skip-tls-verify": true },
        { token: "t" },
        "client-node",
      ],
      [
        { server: "http://127.0.0.1:8080", "insecure-skip-tls-verify": true },
        { token: "t" },
        "fetch",
      ],
    ];
    await Deno.writeTextFile(`${dir}/token`, "from-file\n");
    for (const [cluster, user, transport] of cases) {
      await Deno.writeTextFile(`${dir}/config`, kubeconfigJson(cluster, user));
      const resolved = await resolveConfig({
        namespace: NS,
        fieldManager: APP,
        env: { KUBECONFIG: `${dir}/config` },
      });
      strictEqual(resolved.transport, transport, JSON.stringify({ cluster, user }));
      if (resolved.transport === "fetch" && user.tokenFile) {
        strictEqual(resolved.config.token, "from-file");
      }
    }
    await Deno.writeTextFile(
      `${dir}/config`,
      kubeconfigJson({ server: "http://127.0.0.1:8080" }, { token: "t" }),
    );
    await rejects(
      resolveConfig({ namespace: NS, fieldManager: APP, env: { KUBECONFIG: `${dir}/config` } }),
      (error: unknown) => error instanceof KubeError && /not https/.test(error.message),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

httpsTest(
  "with a bearer token and the kubeconfig's CA both transports work over HTTPS",
  async (server, dir) => {
    await server.writeKubeconfig(`${dir}/config`, NS);
    for (const transport of TRANSPORTS) {
      await listsOk(await kubeconfigClient(`${dir}/config`, transport), server);
      strictEqual(server.requests.at(-1)?.authenticatedBy, "token", transport);
    }
  },
);

httpsTest("a client certificate authenticates, with either transport", async (server, dir) => {
  await server.writeKubeconfig(`${dir}/config`, NS, { auth: "client-certificate" });
  for (const transport of TRANSPORTS) {
    await listsOk(await kubeconfigClient(`${dir}/config`, transport), server);
    const request = server.requests.at(-1)!;
    strictEqual(request.authenticatedBy, "client-certificate", transport);
    strictEqual(request.clientCertificate, "system:serviceaccount:default:fake-client");
  }
});

httpsTest("CA and client certificate may be files next to the kubeconfig", async (server, dir) => {
  const tls = server.tls!;
  await Deno.writeTextFile(`${dir}/ca.pem`, tls.caPem);
  await Deno.writeTextFile(`${dir}/client.pem`, tls.clientCertPem);
  await Deno.writeTextFile(`${dir}/client.key`, tls.clientKeyPem);
  await Deno.writeTextFile(
    `${dir}/config`,
    kubeconfigJson(
      { server: server.url, "certificate-authority": "ca.pem" },
      { "client-certificate": "client.pem", "client-key": `${dir}/client.key` },
    ),
  );
  for (const transport of TRANSPORTS) {
    await listsOk(await kubeconfigClient(`${dir}/config`, transport), server);
    strictEqual(server.requests.at(-1)?.authenticatedBy, "client-certificate", transport);
  }
});

httpsTest(
  "a server whose certificate the configured CA did not issue is refused",
  async (server, dir) => {
    const other = await createTestCa({ commonName: "someone-else" });
    await Deno.writeTextFile(
      `${dir}/config`,
      kubeconfigJson(
        { server: server.url, "certificate-authority-data": base64(other.caPem) },
        { token: server.token },
      ),
    );
    for (const transport of TRANSPORTS) {
      const client = await kubeconfigClient(`${dir}/config`, transport);
      await rejects(
        client.list(KINDS.service),
        (error: unknown) =>
          error instanceof KubeError && error.kind === "unavailable" &&
          /cannot reach/.test(error.message),
        transport,
      );
    }
    strictEqual(server.requests.length, 0);
  },
);

httpsTest(
  "a token file is read by every connect: after rotation the next hook works",
  async (server, dir) => {
    await Deno.writeTextFile(`${dir}/token`, `${server.token}\n`);
    await server.writeKubeconfig(`${dir}/config`, NS, {
      auth: "token-file",
      tokenFile: `${dir}/token`,
    });
    for (const transport of TRANSPORTS) {
      const before = await kubeconfigClient(`${dir}/config`, transport);
      await listsOk(before, server);
      server.rotateToken(`rotated-${transport}`);
      await Deno.writeTextFile(`${dir}/token`, `rotated-${transport}\n`);
      await listsOk(await kubeconfigClient(`${dir}/config`, transport), server);
      strictEqual(server.requests.at(-1)?.authenticatedBy, "token");
    }
  },
);

httpsTest(
  "in a pod: the service account's CA and token, re-read by every connect",
  async (server, dir) => {
    const sa = `${dir}${SERVICE_ACCOUNT_DIR}`;
    await Deno.mkdir(sa, { recursive: true });
    await Deno.writeTextFile(`${sa}/ca.crt`, server.tls!.caPem);
    await Deno.writeTextFile(`${sa}/token`, server.token);
    const env = {
      KUBERNETES_SERVICE_HOST: "127.0.0.1",
      KUBERNETES_SERVICE_PORT: new URL(server.url).port,
      KUBECONFIG: "/ignored/in/a/pod",
    };
    const inPod = () =>
      connect({ namespace: NS, fieldManager: APP, env, serviceAccountPrefix: dir });
    strictEqual(
      (await resolveConfig({ namespace: NS, fieldManager: APP, env, serviceAccountPrefix: dir }))
        .transport,
      "fetch",
    );
    await listsOk(await inPod(), server);
    strictEqual(server.requests.at(-1)?.authenticatedBy, "token");
    server.rotateToken("projected-2");
    await rejects(
      (await inPod()).list(KINDS.service),
      (error: unknown) => error instanceof KubeError && error.details.status === 401,
    );
    await Deno.writeTextFile(`${sa}/token`, "projected-2\n");
    await listsOk(await inPod(), server);
  },
);

httpsTest(
  "an unanswered request fails after its bound, and all requests share the hook's",
  async (server, dir) => {
    await server.writeKubeconfig(`${dir}/config`, NS);
    for (const transport of TRANSPORTS) {
      server.fault({ method: "GET", timeout: true });
      const perRequest = await connect({
        namespace: NS,
        fieldManager: APP,
        env: { KUBECONFIG: `${dir}/config` },
        transport,
        timeoutMs: 200,
      });
      await rejects(
        perRequest.list(KINDS.service),
        (error: unknown) =>
          error instanceof KubeError && error.kind === "unavailable" &&
          /no answer within 200 ms/.test(error.message),
      );
      const perHook = await connect({
        namespace: NS,
        fieldManager: APP,
        env: { KUBECONFIG: `${dir}/config` },
        transport,
        timeoutMs: 60_000,
        totalTimeoutMs: 200,
      });
      await rejects(
        perHook.list(KINDS.service),
        (error: unknown) =>
          error instanceof KubeError && error.kind === "unavailable" &&
          /all requests of this hook took more than 200 ms/.test(error.message),
      );
      // Once the hook's budget is spent no request is even sent.
      const sent = server.requests.length;
      await rejects(
        perHook.get(KINDS.service, "x"),
        (error: unknown) => error instanceof KubeError && error.kind === "unavailable",
      );
      strictEqual(server.requests.length, sent);
      server.clearRules();
    }
  },
);

Deno.test("transport and bounds can be set from the environment, and are checked", () => {
  deepStrictEqual(tuningFromEnv({}), {
    transport: undefined,
    timeoutMs: undefined,
    totalTimeoutMs: undefined,
    maxRetryDelayMs: undefined,
  });
  deepStrictEqual(
    tuningFromEnv({
      GATEWAY_API_INTEGRATOR_K8S_TRANSPORT: "client-node",
      GATEWAY_API_INTEGRATOR_K8S_TIMEOUT_MS: "250",
      GATEWAY_API_INTEGRATOR_K8S_HOOK_TIMEOUT_MS: "1000",
      GATEWAY_API_INTEGRATOR_K8S_RETRY_DELAY_MS: "20",
    }),
    { transport: "client-node", timeoutMs: 250, totalTimeoutMs: 1000, maxRetryDelayMs: 20 },
  );
  for (
    const env of [
      { GATEWAY_API_INTEGRATOR_K8S_TRANSPORT: "curl" },
      { GATEWAY_API_INTEGRATOR_K8S_TIMEOUT_MS: "soon" },
      { GATEWAY_API_INTEGRATOR_K8S_HOOK_TIMEOUT_MS: "0" },
      { GATEWAY_API_INTEGRATOR_K8S_RETRY_DELAY_MS: "-5" },
    ]
  ) {
    try {
      tuningFromEnv(env);
      ok(false, `expected ${JSON.stringify(env)} to be refused`);
    } catch (error) {
      ok(error instanceof KubeError && error.kind === "config", String(error));
    }
  }
});
