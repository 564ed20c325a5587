/**
 * Hook benchmark: runs hooks of the packed charm through the black-box runner many times and
 * reports, per hook, median and max wall time, peak memory of the charm process and the number
 * of hook-tool calls and Kubernetes API requests. Every hook is a fresh process, so this is the product's speed.
 *
 *   deno task bench [--runs N] [--write] [--transport fetch|client-node] [--only TEXT] [--yaml]
 *                   [--http1]
 *
 * The fake API server offers HTTP/2 by ALPN over HTTPS, as kube-apiserver does, so the charm speaks
 * what it speaks in a pod; `--http1` measures against a server of HTTP/1.1 only.
 * `--write` replaces the generated table in BENCHMARKS.md.
 */
import { packedCharmDir, runHook } from "../tests/harness/runner.ts";
import type { HookEvent, JujuState } from "../tests/harness/juju/state.ts";
import { startCluster } from "../tests/cluster.ts";
import { createTestCa } from "../tests/harness/tls_ca.ts";
import { ingressRequirer as requirer } from "../tests/blackbox.ts";
import type { Transport } from "../src/k8s/client.ts";
import { V8_FLAGS } from "../build.ts";

interface Case {
  name: string;
  state: JujuState;
  event: HookEvent;
  /** Changes the state after the first warm-up run (e.g. a provider answering). */
  answer?: (state: JujuState) => Promise<JujuState>;
  /** Every run starts from an empty namespace (a first deploy), not from the steady state. */
  fresh?: boolean;
}

const VALID = { "enforce-https": false, "gateway-class": "cilium" };
/** Juju gives every application its peer relation (from its relation-created hook on): the
 * leader names itself there, and keeps its copies of the ingress databags. */
const PEERS = {
  id: 0,
  endpoint: "gateway-peers",
  remoteApp: "gateway-api-integrator",
  remoteUnits: {},
};
const TEN = [PEERS, ...Array.from({ length: 10 }, (_, i) => requirer(i + 1, `app${i}`))];

/** A standby of two units: the peer relation names the leader. */
const STANDBY: JujuState = {
  leader: false,
  unitId: 1,
  relations: [{
    id: 0,
    endpoint: "gateway-peers",
    remoteApp: "gateway-api-integrator",
    remoteUnits: { "gateway-api-integrator/0": {} },
    localAppData: { leader: "gateway-api-integrator/0" },
  }],
};

const CASES: Case[] = [
  {
    name: "install (fresh deploy, blocked)",
    state: { leader: true },
    event: { kind: "hook", name: "install" },
  },
  {
    name: "config-changed (no requirers)",
    state: { leader: true, config: VALID, relations: [PEERS] },
    event: { kind: "hook", name: "config-changed" },
  },
  {
    name: "update-status (1 requirer)",
    state: { leader: true, config: VALID, relations: [PEERS, requirer(1, "web")] },
    event: { kind: "hook", name: "update-status" },
  },
  {
    name: "gateway-relation-changed (1 requirer)",
    state: { leader: true, config: VALID, relations: [PEERS, requirer(1, "web")] },
    event: { kind: "relation", name: "changed", relationId: 1, remoteUnit: "web/0" },
  },
  {
    name: "config-changed (1 requirer, first deploy: every object new)",
    state: { leader: true, config: VALID, relations: [PEERS, requirer(1, "web")] },
    event: { kind: "hook", name: "config-changed" },
    fresh: true,
  },
  {
    name: "update-status (1 requirer of 3 units)",
    state: {
      leader: true,
      config: VALID,
      relations: [PEERS, {
        ...requirer(1, "web"),
        remoteUnits: Object.fromEntries(
          [0, 1, 2].map((n) => [`web/${n}`, { host: JSON.stringify(`web-${n}.web-endpoints`) }]),
        ),
      }],
    },
    event: { kind: "hook", name: "update-status" },
  },
  {
    name: "update-status (10 requirers)",
    state: { leader: true, config: VALID, relations: TEN },
    event: { kind: "hook", name: "update-status" },
  },
  {
    name: "update-status (1 requirer, HTTPS enforced, certificate issued)",
    state: {
      leader: true,
      config: { "gateway-class": "cilium", "external-hostname": "gw.example.com" },
      relations: [PEERS, requirer(1, "web"), {
        id: 90,
        endpoint: "certificates",
        remoteApp: "ca",
        remoteUnits: { "ca/0": {} },
      }],
    },
    event: { kind: "hook", name: "update-status" },
    answer: issueCertificates,
  },
  {
    name: "non-leader config-changed",
    state: STANDBY,
    event: { kind: "hook", name: "config-changed" },
  },
  {
    name: "non-leader gateway-peers-relation-changed (names the leader)",
    state: STANDBY,
    event: { kind: "relation", name: "changed", relationId: 0 },
  },
  {
    name: "non-leader leader-settings-changed (names the leader)",
    state: STANDBY,
    event: { kind: "hook", name: "leader-settings-changed" },
  },
  {
    name: "get-certificate action",
    state: { leader: true },
    event: { kind: "action", name: "get-certificate", params: { hostname: "a.example.com" } },
  },
  { name: "unknown hook", state: { leader: true }, event: { kind: "hook", name: "future-hook" } },
];

const ca = await createTestCa();

/** Deletes what the charm created, so that the next hook is a first deploy. */
function removeOwnedObjects(): void {
  for (const kind of ["Gateway", "HTTPRoute", "Service", "Secret"]) {
    for (const object of cluster.objects(kind)) {
      cluster.server.remove(kind, "testing", object.metadata.name);
    }
  }
}

/** The certificates provider signs every CSR the charm sent. */
async function issueCertificates(state: JujuState): Promise<JujuState> {
  const relations = await Promise.all((state.relations ?? []).map(async (relation) => {
    if (relation.endpoint !== "certificates") return relation;
    const csrs = JSON.parse(relation.localAppData?.certificate_signing_requests ?? "[]") as {
      certificate_signing_request: string;
    }[];
    const certificates = await Promise.all(
      csrs.map((csr) => ca.issue(csr.certificate_signing_request)),
    );
    return { ...relation, remoteAppData: { certificates: JSON.stringify(certificates) } };
  }));
  return { ...state, relations };
}

interface Args {
  runs: number;
  write: boolean;
  /** Force a transport (to compare them); by default the configuration decides (fetch). */
  transport?: Transport;
  /** Only the cases whose name includes this. */
  only?: string;
  /** The kubeconfig's format: JSON (default) needs no YAML parser, as the pod's service account. */
  kubeconfigFormat: "json" | "yaml";
  /** Offer HTTP/2 over HTTPS (default), as kube-apiserver does; false: HTTP/1.1 only. */
  http2: boolean;
}

function parseArgs(args: string[]): Args {
  const parsed: Args = { runs: 20, write: false, kubeconfigFormat: "json", http2: true };
  for (let i = 0; i < args.length; i++) {
    if (args[i] === "--runs") parsed.runs = Number(args[++i]);
    else if (args[i] === "--write") parsed.write = true;
    else if (args[i] === "--only") parsed.only = args[++i];
    else if (args[i] === "--yaml") parsed.kubeconfigFormat = "yaml";
    else if (args[i] === "--http1") parsed.http2 = false;
    else if (args[i] === "--transport") {
      const transport = args[++i];
      if (transport !== "fetch" && transport !== "client-node") {
        throw new Error("--transport takes fetch or client-node");
      }
      parsed.transport = transport;
    } else {
      throw new Error(
        `unknown argument ${args[i]}: use --runs N, --write, --transport T, --only TEXT, ` +
          "--yaml, --http1",
      );
    }
  }
  if (!Number.isInteger(parsed.runs) || parsed.runs < 1) {
    throw new Error("--runs takes a positive whole number");
  }
  if (
    parsed.write &&
    (parsed.transport || parsed.only || parsed.kubeconfigFormat !== "json" || !parsed.http2)
  ) {
    throw new Error("--write records the default run: no --transport, --only, --yaml or --http1");
  }
  return parsed;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

async function machine(): Promise<string> {
  const cpuinfo = await Deno.readTextFile("/proc/cpuinfo").catch(() => "");
  const cpu = /model name\s*:\s*(.+)/.exec(cpuinfo)?.[1] ?? Deno.build.arch;
  const memKb = Number(
    /MemTotal:\s+(\d+)/.exec(await Deno.readTextFile("/proc/meminfo").catch(() => ""))?.[1] ?? 0,
  );
  return `${cpu}, ${navigator.hardwareConcurrency} cores, ${
    (memKb / 1048576).toFixed(0)
  } GiB RAM, ` +
    `${Deno.build.os} ${Deno.build.arch}, Deno ${Deno.version.deno}`;
}

async function buildForm(charmDir: string): Promise<string> {
  const compiled = await Deno.stat(`${charmDir}/bin/gateway-api-integrator`).then(() => true)
    .catch(() => false);
  return compiled ? "compiled (deno compile)" : "bundle (shipped Deno runs the bundled JavaScript)";
}

const { runs, write, transport, only, kubeconfigFormat, http2 } = parseArgs(Deno.args);
const charmDir = await packedCharmDir();
const cluster = await startCluster({ tls: true, http2, transport, kubeconfigFormat });
/** How the HTTPS server speaks, for the texts. */
const protocol = http2 ? "HTTP/2 offered by ALPN, as kube-apiserver does" : "HTTP/1.1 only";
const rows: string[] = [];
let memoryMeasured = true;
for (const benchCase of CASES.filter((c) => only === undefined || c.name.includes(only))) {
  // One warm-up run: it fills Deno's code cache (as the first hook after a deploy or upgrade
  // does) and creates the objects, so the measured runs are the steady state.
  const warm = await runHook(charmDir, benchCase.state, benchCase.event, { env: cluster.env });
  if (cluster.objects("Gateway").length > 0) {
    cluster.setGatewayAddresses("gateway-api-integrator", [{ value: "10.0.0.1" }]);
  }
  if (warm.exitCode !== 0) throw new Error(`${benchCase.name} failed: ${warm.stderr}`);
  // A second run with the Gateway addressed (and the provider's answer, if any) publishes what
  // the first could not, so that the measured runs change nothing.
  const settled = await runHook(
    charmDir,
    benchCase.answer ? await benchCase.answer(warm.state) : warm.state,
    benchCase.event,
    { env: cluster.env },
  );
  if (settled.exitCode !== 0) throw new Error(`${benchCase.name} failed: ${settled.stderr}`);
  // As a Gateway controller does once it has programmed what the charm applied: the Gateway, its
  // listeners and the routes accepted at their current generations (otherwise a Gateway whose
  // spec the settling run changed, as HTTPS does, stays pending and every run logs so).
  if (cluster.objects("Gateway").length > 0) await cluster.acceptAll("gateway-api-integrator");
  const times: number[] = [];
  const rss: number[] = [];
  let calls = 0;
  let requests = "";
  for (let i = 0; i < runs; i++) {
    if (benchCase.fresh) removeOwnedObjects();
    const before = cluster.server.requests.length;
    const result = await runHook(charmDir, settled.state, benchCase.event, {
      measureMemory: true,
      env: cluster.env,
    });
    if (result.exitCode !== 0) {
      throw new Error(`${benchCase.name} failed (exit ${result.exitCode}): ${result.stderr}`);
    }
    // A hook that could not reach the API may still exit 0 (blocked): that is no measurement.
    if (/Kubernetes|permissions/.test(result.state.unitStatus?.message ?? "")) {
      throw new Error(`${benchCase.name}: ${result.state.unitStatus?.message}`);
    }
    const sent = cluster.server.requests.slice(before);
    const writes = sent.filter((request) => request.method !== "GET").length;
    requests = `${sent.length} (${writes} writes)`;
    times.push(result.durationMs);
    if (result.peakRssKb === undefined) memoryMeasured = false;
    else rss.push(result.peakRssKb);
    calls = result.toolCalls.length;
  }
  const mib = (kb: number) => `${(kb / 1024).toFixed(1)} MiB`;
  const memory = rss.length ? `${mib(median(rss))} / ${mib(Math.max(...rss))}` : "n/a";
  rows.push(
    `| ${benchCase.name} | ${median(times).toFixed(0)} ms | ${
      Math.max(...times).toFixed(0)
    } ms | ${memory} | ${calls} | ${requests} |`,
  );
  console.error(`${benchCase.name}: done`);
}

const table = [
  `Machine: ${await machine()}. Charm build: ${await buildForm(charmDir)}. ${runs} runs per hook ` +
  "after one warm-up run, in the steady state (objects already applied) unless said otherwise, " +
  `against the fake Kubernetes API server over HTTPS (${protocol}; its own CA, bearer token in a ${kubeconfigFormat.toUpperCase()} kubeconfig)` +
  `, transport: ${transport ?? "as configured (fetch)"}.`,
  ...(memoryMeasured
    ? []
    : ["", "Peak memory needs GNU time (`/usr/bin/time`); it was not found."]),
  "",
  "| hook | median wall time | max wall time | peak RSS of the charm process: median / max " +
  "| hook-tool calls " +
  "| API requests |",
  "|---|---|---|---|---|---|",
  ...rows,
].join("\n");
console.log(table);

await cluster.close();

interface TraceLine {
  /** Each call: what, start and end on the charm's clock (not a median). */
  timeline?: [string, number, number][];
  memory?: unknown;
  startMs: number;
  totalMs: number;
  toolsMs: number;
  kubeMs: number;
  firstRequestMs: number;
  connectMs: number;
  toolsOrKubeMs: number;
}

/** Deno running an empty script with the launcher's flags: the runtime's start (median wall
 * time) and the memory every hook starts from (median peak RSS, with /usr/bin/time). */
async function emptyScript(): Promise<{ ms: number; rssKb: number | null }> {
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(`${dir}/empty.js`, "");
  const measured = await Deno.stat("/usr/bin/time").then(() => true).catch(() => false);
  const times: number[] = [];
  const rss: number[] = [];
  for (let i = 0; i < runs; i++) {
    const deno = [
      `${charmDir}/bin/deno`,
      "run",
      "--quiet",
      "--no-config",
      "--no-lock",
      "--no-remote",
      "--no-npm",
      `--v8-flags=${V8_FLAGS}`,
      "-A",
      `${dir}/empty.js`,
    ];
    const command = measured ? ["/usr/bin/time", "-f", "%M", "-o", `${dir}/rss`, ...deno] : deno;
    const started = performance.now();
    await new Deno.Command(command[0], {
      args: command.slice(1),
      env: { DENO_DIR: `${dir}/deno`, NO_COLOR: "1" },
      clearEnv: true,
    }).output();
    times.push(performance.now() - started);
    if (measured) {
      rss.push(Number((await Deno.readTextFile(`${dir}/rss`)).trim().split("\n").at(-1)));
    }
  }
  await Deno.remove(dir, { recursive: true });
  return { ms: median(times), rssKb: rss.length ? median(rss) : null };
}

/** The reconcile hook with GATEWAY_API_INTEGRATOR_TRACE=1, over HTTPS and over plain HTTP. */
async function breakdown(): Promise<string> {
  const benchCase = CASES.find((c) => c.name === "update-status (1 requirer)")!;
  type Medians = Record<keyof TraceLine | "wallMs", number>;
  const per: Record<string, Medians> = {};
  let medianRun: (TraceLine & { wallMs: number }) | undefined;
  for (const tls of [true, false]) {
    const traced = await startCluster({ tls, http2: tls && http2, transport, kubeconfigFormat });
    const env = { ...traced.env, GATEWAY_API_INTEGRATOR_TRACE: "1" };
    const warm = await runHook(charmDir, benchCase.state, benchCase.event, { env });
    traced.setGatewayAddresses("gateway-api-integrator", [{ value: "10.0.0.1" }]);
    // The second run publishes the URL with the address: the measured runs change nothing.
    const settled = await runHook(charmDir, warm.state, benchCase.event, { env });
    const lines: (TraceLine & { wallMs: number })[] = [];
    for (let i = 0; i < runs; i++) {
      const result = await runHook(charmDir, settled.state, benchCase.event, { env });
      const line = result.stderr.split("\n").find((text) => text.startsWith("trace: "));
      if (result.exitCode !== 0 || !line) throw new Error(`traced run failed: ${result.stderr}`);
      lines.push({ ...JSON.parse(line.slice(7)), wallMs: result.durationMs });
    }
    await traced.close();
    if (tls) {
      const byWall = [...lines].sort((a, b) => a.wallMs - b.wallMs);
      medianRun = byWall[Math.floor(byWall.length / 2)];
    }
    const keys = (Object.keys(lines[0]) as (keyof TraceLine | "wallMs")[])
      .filter((key) => key !== "timeline" && key !== "memory");
    per[tls ? "https" : "http"] = Object.fromEntries(
      keys.map((key) => [key, median(lines.map((line) => line[key]))]),
    ) as Medians;
  }
  const { https, http } = per;
  const emptyRun = await emptyScript();
  const empty = emptyRun.ms;
  const ms = (value: number) => `${value.toFixed(0)} ms`;
  // From process start until `main` runs, less what an empty script takes.
  const evaluation = (m: Medians) => m.wallMs - m.totalMs + m.startMs - empty;
  const rows: [string, (m: Medians) => number, string][] = [
    ["runtime start (Deno with an empty script)", () => empty, "wall time, same flags, own runs"],
    [
      "module evaluation and exit (launcher, bundle until `main` runs, process exit)",
      evaluation,
      "hook wall time − charm's clock from `main` to exit − the line above",
    ],
    ["Kubernetes: connect (configuration, TLS client)", (m) => m.connectMs, "time in `connect`"],
    [
      "Kubernetes: first request (over HTTPS with the TLS handshake)",
      (m) => m.firstRequestMs,
      "its wall time",
    ],
    ["Kubernetes: all of it", (m) => m.kubeMs, "wall time with connect or a request in flight"],
    ["hook-tool calls", (m) => m.toolsMs, "wall time with a tool call in flight"],
    [
      "… of which overlapped with Kubernetes",
      (m) => m.toolsMs + m.kubeMs - m.toolsOrKubeMs,
      "both in flight at once",
    ],
    [
      "the charm's own work",
      (m) => m.totalMs - m.startMs - m.toolsOrKubeMs,
      "time after `main` started with neither in flight",
    ],
    ["whole hook", (m) => m.wallMs, "the runner's wall time"],
  ];
  const tls = https.connectMs + https.firstRequestMs - http.connectMs - http.firstRequestMs;
  return [
    `The reconcile hook \`${benchCase.name}\` in the steady state, ${runs} runs over HTTPS ` +
    `(${protocol}) and ` +
    `${runs} over plain HTTP with \`GATEWAY_API_INTEGRATOR_TRACE=1\` (${kubeconfigFormat.toUpperCase()} ` +
    "kubeconfig), medians per line, so lines do not add up exactly. TLS set-up (connect and first " +
    `request, HTTPS minus HTTP): ${ms(tls)}.` +
    (emptyRun.rssKb === null ? "" : ` Deno running an empty script with the same flags peaks at ` +
      `${(emptyRun.rssKb / 1024).toFixed(1)} MiB: the memory every hook starts from.`),
    "",
    "| part | HTTPS | plain HTTP | measured as |",
    "|---|---|---|---|",
    ...rows.map(([part, value, how]) =>
      `| ${part} | ${ms(value(https))} | ${ms(value(http))} | ${how} |`
    ),
    "",
    `The HTTPS run of median wall time (${ms(medianRun!.wallMs)}), call by call on the charm's ` +
    `clock (ms since Deno's time origin, which it sets once its runtime is up, about the empty ` +
    `script's time after the launcher started; \`main\` ran at ${
      medianRun!.startMs.toFixed(0)
    } ms, ` +
    `the charm was done at ${medianRun!.totalMs.toFixed(0)} ms):`,
    "",
    "| start | end | call |",
    "|---|---|---|",
    ...(medianRun!.timeline ?? []).map(([call, start, end]) =>
      `| ${start.toFixed(0)} | ${end.toFixed(0)} | ${call.replaceAll("|", "\\|").slice(0, 70)} |`
    ),
  ].join("\n");
}

const split = only === undefined ? await breakdown() : "";
if (split) console.log(`\n${split}`);

/** Replaces the text between `<!-- bench:NAME:start -->` and its end marker. */
function replaceSection(text: string, name: string, body: string): string {
  const start = `<!-- bench:${name}:start -->`;
  const end = `<!-- bench:${name}:end -->`;
  if (!text.includes(start) || !text.includes(end)) {
    throw new Error(`BENCHMARKS.md lacks ${start} … ${end}`);
  }
  return text.slice(0, text.indexOf(start) + start.length) + "\n" + body + "\n" +
    text.slice(text.indexOf(end));
}

if (write) {
  const path = new URL("../BENCHMARKS.md", import.meta.url);
  let text = await Deno.readTextFile(path);
  text = replaceSection(text, "hooks", table);
  text = replaceSection(text, "breakdown", split);
  await Deno.writeTextFile(path, text);
  // Keep the file as `deno fmt` would write it (tables padded).
  await new Deno.Command(Deno.execPath(), { args: ["fmt", "--quiet", path.pathname] }).output();
  console.error("BENCHMARKS.md updated");
}
