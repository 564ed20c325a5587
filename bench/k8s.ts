/**
 * Kubernetes API requests per reconcile: the first run (everything created) and the steady state
 * (nothing changed) for 1, 10 and 100 owned objects, against the fake API server.
 *
 *   deno task bench:k8s [--write]
 */
import { createClientNodeClient } from "../src/k8s/client_node.ts";
import { type DesiredSet, reconcileOwned } from "../src/k8s/reconcile.ts";
import { KINDS, type KubeObject } from "../src/k8s/types.ts";
import { startFakeApiServer } from "../tests/harness/k8s/mod.ts";

const NS = "bench";
const APP = "gateway-api-integrator";

/** n objects spread over the kinds the charm owns: per requirer a Service and an HTTPRoute. */
function desired(n: number): DesiredSet[] {
  const services: KubeObject[] = [];
  const routes: KubeObject[] = [];
  for (let i = 0; services.length + routes.length < n; i++) {
    services.push({
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: `${APP}-app${i}-service` },
      spec: {
        ports: [{ port: 8080, name: "tcp-8080", targetPort: 8080 }],
        selector: { "app.kubernetes.io/name": `app${i}` },
      },
    });
    if (services.length + routes.length === n) break;
    routes.push({
      apiVersion: "gateway.networking.k8s.io/v1",
      kind: "HTTPRoute",
      metadata: { name: `${APP}-app${i}-http` },
      spec: {
        parentRefs: [{ name: APP, namespace: NS }],
        rules: [{
          matches: [{ path: { type: "PathPrefix", value: `/${NS}-app${i}` } }],
          backendRefs: [{ name: `${APP}-app${i}-service`, port: 8080 }],
        }],
      },
    });
  }
  return [{ kind: KINDS.service, objects: services }, { kind: KINDS.httpRoute, objects: routes }];
}

const rows: string[] = [];
for (const n of [1, 10, 100]) {
  const server = await startFakeApiServer({ namespaces: [NS] });
  const dir = await Deno.makeTempDir();
  await server.writeKubeconfig(`${dir}/config`, NS);
  const client = createClientNodeClient({
    namespace: NS,
    fieldManager: APP,
    env: { KUBECONFIG: `${dir}/config` },
  });
  const sets = desired(n);
  const count = async () => {
    server.resetLog();
    const started = performance.now();
    await reconcileOwned(client, APP, sets);
    const ms = performance.now() - started;
    const requests = server.resourceRequests();
    const writes = requests.filter((r) => r.method !== "GET").length;
    return { total: requests.length, writes, ms };
  };
  const first = await count();
  const steady = await count();
  rows.push(
    `| ${n} | ${first.total} (${first.writes} writes) | ${steady.total} (${steady.writes} writes) | ` +
      `${first.ms.toFixed(0)} ms / ${steady.ms.toFixed(0)} ms |`,
  );
  await server.close();
  await Deno.remove(dir, { recursive: true });
}

const table = [
  "Requests to the fake API server per reconcile of n owned objects (Services and HTTPRoutes), " +
  `Deno ${Deno.version.deno}. Discovery is never used.`,
  "",
  "| owned objects | first run: requests | steady state: requests | wall time first / steady (in-process, loopback) |",
  "|---|---|---|---|",
  ...rows,
].join("\n");
console.log(table);

if (Deno.args.includes("--write")) {
  const path = new URL("../BENCHMARKS.md", import.meta.url);
  const text = await Deno.readTextFile(path);
  const start = "<!-- bench:k8s:start -->";
  const end = "<!-- bench:k8s:end -->";
  if (!text.includes(start)) throw new Error(`BENCHMARKS.md lacks ${start} … ${end}`);
  await Deno.writeTextFile(
    path,
    text.slice(0, text.indexOf(start) + start.length) + "\n" + table + "\n" +
      text.slice(text.indexOf(end)),
  );
  // Keep the file as `deno fmt` would write it (tables padded).
  await new Deno.Command(Deno.execPath(), { args: ["fmt", "--quiet", path.pathname] }).output();
  console.error("BENCHMARKS.md updated");
}
Deno.exit(0);
