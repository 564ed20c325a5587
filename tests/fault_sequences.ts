/**
 * Fault sequences (issue 11): random, seeded sequences of Juju events — requirers joining,
 * changing and leaving, config changes, certificates issued and revoked by the test CA, Gateway
 * address changes, leadership changes, update-status — run through the packed charm against the
 * fake API server injecting faults at random (500, 503 and 429 with Retry-After, 504, 409 on
 * writes, connection resets, requests that stall past the client's timeout). A failed hook is
 * run again from the committed state, as Juju does. After each sequence the faults stop, one
 * converging hook runs, and the checks hold: the owned objects are exactly those a fault-free run
 * of the same final state makes, foreign and other applications' objects are untouched, every
 * published URL is served by a route and every served requirer has its URL, and the key secret
 * is the key of every CSR and TLS Secret.
 *
 * The sequences come from fast-check with the run's seed (`FC_SEED` replays them; the fault
 * seed of each sequence is part of it). Under concurrency the order of a hook's requests may
 * vary, so a replay injects the same kinds of faults at the same rate, not always on the same
 * requests.
 */
import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import { type Cluster, startCluster } from "./cluster.ts";
import type { HookEvent, HookResult, JujuState, RelationState } from "./harness/juju/state.ts";
import type { FaultRule } from "./harness/k8s/mod.ts";
import { packedCharmDir, runHook } from "./harness/runner.ts";
import { createTestCa } from "./harness/tls_ca.ts";
import { fc, SEED } from "./properties.ts";
import { DESIRED_HASH, MANAGED_BY } from "../src/k8s/reconcile.ts";
import type { KubeObject } from "../src/k8s/types.ts";
import { parseCsr } from "../src/tls/csr.ts";
import { publicKeyOf } from "../src/tls/keys.ts";

const APP = "gateway-api-integrator";
const NAMESPACE = "testing";
const CERTS_ID = 90;
const KEY_LABEL = "afd8c2bccf834997afce12c2706d2ede-private-key-certificates";
const REQUIRERS = ["web", "api", "shop"] as const;
const HOSTNAMES = ["gw.example.com", "shop.example.com"] as const;
const ADDRESSES = ["10.0.0.9", "10.0.0.10", "2001:db8::7"] as const;
const OWNED_KINDS = ["Gateway", "HTTPRoute", "Service", "Secret"] as const;
/** How often a hook is run again while it fails; it always succeeds well before. */
const MAX_RERUNS = 10;

const charmDir = await packedCharmDir();
const ca = await createTestCa();

/** The faults, each equally likely once the rate says "fault". */
export const FAULTS: readonly FaultRule[] = [
  { status: 500 },
  { status: 503, retryAfterSeconds: 1 },
  { status: 504 },
  { status: 429, retryAfterSeconds: 1 },
  { method: "PATCH", status: 409 },
  { method: "DELETE", status: 409 },
  { reset: true },
  { timeout: true },
];

/** Short bounds so that stalled requests cost little; retries wait at most 20 ms. */
const TUNING = {
  GATEWAY_API_INTEGRATOR_K8S_TIMEOUT_MS: "200",
  GATEWAY_API_INTEGRATOR_K8S_HOOK_TIMEOUT_MS: "5000",
  GATEWAY_API_INTEGRATOR_K8S_RETRY_DELAY_MS: "20",
};

export type Step =
  | { type: "join"; app: typeof REQUIRERS[number] }
  | { type: "change"; app: typeof REQUIRERS[number]; port: number }
  | { type: "leave"; app: typeof REQUIRERS[number] }
  | { type: "config"; enforceHttps: boolean; hostname: typeof HOSTNAMES[number]; hsts: number }
  | { type: "certificates-join" }
  | { type: "certificates-leave" }
  | { type: "issue" }
  | { type: "revoke" }
  | { type: "address"; value: typeof ADDRESSES[number] }
  | { type: "leader"; leader: boolean }
  | { type: "update-status" };

const app = fc.constantFrom(...REQUIRERS);
export const stepArb: fc.Arbitrary<Step> = fc.oneof(
  { arbitrary: fc.record({ type: fc.constant("join" as const), app }), weight: 3 },
  fc.record({
    type: fc.constant("change" as const),
    app,
    port: fc.constantFrom(8080, 9090, 443),
  }),
  fc.record({ type: fc.constant("leave" as const), app }),
  fc.record({
    type: fc.constant("config" as const),
    enforceHttps: fc.boolean(),
    hostname: fc.constantFrom(...HOSTNAMES),
    hsts: fc.constantFrom(0, 300, 31536000),
  }),
  fc.constant({ type: "certificates-join" as const }),
  fc.constant({ type: "certificates-leave" as const }),
  { arbitrary: fc.constant({ type: "issue" as const }), weight: 2 },
  fc.constant({ type: "revoke" as const }),
  fc.record({ type: fc.constant("address" as const), value: fc.constantFrom(...ADDRESSES) }),
  fc.record({ type: fc.constant("leader" as const), leader: fc.boolean() }),
  fc.constant({ type: "update-status" as const }),
);

export interface Sequence {
  /** The first hook's configuration and relations (web is always there). */
  enforceHttps: boolean;
  certificates: boolean;
  api: boolean;
  steps: Step[];
  faultSeed: number;
}

export const sequenceArb: fc.Arbitrary<Sequence> = fc.record({
  enforceHttps: fc.boolean(),
  certificates: fc.boolean(),
  api: fc.boolean(),
  steps: fc.array(stepArb, { minLength: 1, maxLength: 4 }),
  faultSeed: fc.nat(),
});

/** What a run of sequences did, for BENCHMARKS.md. */
export interface Figures {
  sequences: number;
  /** Hooks run while faults were injected (converging hooks not included). */
  hooks: number;
  hooksFailed: number;
  /** Converging and baseline hooks, run without faults. */
  cleanHooks: number;
  faults: Record<string, number>;
  /** Resource requests sent while faults were injected. */
  requests: number;
  /** Other requests (discovery) sent meanwhile. */
  otherRequests: number;
  violations: number;
}

export function emptyFigures(): Figures {
  return {
    sequences: 0,
    hooks: 0,
    hooksFailed: 0,
    cleanHooks: 0,
    faults: {},
    requests: 0,
    otherRequests: 0,
    violations: 0,
  };
}

const relationId = (name: string) => 10 + REQUIRERS.indexOf(name as typeof REQUIRERS[number]);

function ingress(name: string, port: number): RelationState {
  return {
    id: relationId(name),
    endpoint: "gateway",
    remoteApp: name,
    remoteAppData: { model: `"${NAMESPACE}"`, name: JSON.stringify(name), port: String(port) },
    remoteUnits: { [`${name}/0`]: { host: JSON.stringify(`${name}-0.${name}-endpoints`) } },
  };
}

const CERTIFICATES: RelationState = {
  id: CERTS_ID,
  endpoint: "certificates",
  remoteApp: "ca",
  remoteUnits: { "ca/0": {} },
  remoteAppData: {},
};

const relations = (state: JujuState) => state.relations ?? [];
const find = (state: JujuState, id: number) => relations(state).find((r) => r.id === id);
const withRelation = (state: JujuState, relation: RelationState): JujuState => ({
  ...state,
  relations: [...relations(state).filter((r) => r.id !== relation.id), relation],
});
const withoutRelation = (state: JujuState, id: number): JujuState => ({
  ...state,
  relations: relations(state).filter((r) => r.id !== id),
});

function ourCsrs(state: JujuState): string[] {
  const raw = find(state, CERTS_ID)?.localAppData?.certificate_signing_requests;
  if (!raw) return [];
  return (JSON.parse(raw) as { certificate_signing_request: string }[])
    .map((entry) => entry.certificate_signing_request);
}

/** Objects not ours, seeded before the sequence: they must end exactly as they started. */
function seedForeign(cluster: Cluster): void {
  const other = { [MANAGED_BY]: "other-integrator" };
  const objects: KubeObject[] = [
    { apiVersion: "v1", kind: "Service", metadata: { name: "foreign" }, spec: { ports: [] } },
    {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "other-integrator-web-service", labels: other },
      spec: { ports: [{ port: 80 }] },
    },
    {
      apiVersion: "gateway.networking.k8s.io/v1",
      kind: "HTTPRoute",
      metadata: { name: "other-integrator-web-http", labels: other },
      spec: { parentRefs: [{ name: "other-integrator" }] },
    },
    {
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: "foreign-secret" },
      type: "Opaque",
      data: { a: "Yg==" },
    },
    {
      apiVersion: "gateway.networking.k8s.io/v1",
      kind: "Gateway",
      metadata: { name: "other-integrator", labels: other },
      spec: { gatewayClassName: "cilium", listeners: [] },
    },
  ];
  for (const object of objects) {
    cluster.server.seed({ ...object, metadata: { ...object.metadata, namespace: NAMESPACE } });
  }
}

function foreignVersions(cluster: Cluster): Record<string, string> {
  const versions: Record<string, string> = {};
  for (const kind of OWNED_KINDS) {
    for (const object of cluster.objects(kind)) {
      if (object.metadata.labels?.[MANAGED_BY] === APP) continue;
      versions[`${kind}/${object.metadata.name}`] = String(object.metadata.resourceVersion);
    }
  }
  return versions;
}

/** Owned objects as `Kind/name → desired hash`: the hash covers everything the charm applies. */
function ownedObjects(
  cluster: Cluster,
  kinds: readonly string[] = OWNED_KINDS,
): Record<string, string> {
  const owned: Record<string, string> = {};
  for (const kind of kinds) {
    for (const object of cluster.objects(kind)) {
      if (object.metadata.labels?.[MANAGED_BY] !== APP) continue;
      owned[`${kind}/${object.metadata.name}`] = object.metadata.annotations?.[DESIRED_HASH] ??
        "(no hash)";
    }
  }
  return owned;
}

interface Runner {
  cluster: Cluster;
  figures: Figures;
  faulty: boolean;
}

/** Runs a hook as Juju does: a failure is run again from what was committed, until it passes. */
async function hook(runner: Runner, state: JujuState, event: HookEvent): Promise<HookResult> {
  let current = state;
  for (let attempt = 0; attempt <= MAX_RERUNS; attempt++) {
    const before = runner.cluster.server.requests.length;
    const result = await runHook(charmDir, current, event, {
      env: { ...runner.cluster.env, ...TUNING },
      timeoutMs: 20_000,
    });
    if (runner.faulty) runner.figures.hooks++;
    else runner.figures.cleanHooks++;
    for (const request of runner.cluster.server.requests.slice(before)) {
      // The rate applies to resource requests; discovery and the like are not counted.
      if (!runner.faulty) continue;
      if (request.verb === undefined) {
        runner.figures.otherRequests++;
        continue;
      }
      runner.figures.requests++;
      if (request.fault) {
        runner.figures.faults[request.fault] = (runner.figures.faults[request.fault] ?? 0) + 1;
      }
    }
    ok(!result.stderr.includes("hook killed"), `a hook hung: ${result.stderr.slice(-1000)}`);
    if (result.exitCode === 0) return result;
    strictEqual(result.exitCode, 1, result.stderr.slice(-2000));
    ok(runner.faulty, `a hook failed without faults: ${result.stderr.slice(-2000)}`);
    runner.figures.hooksFailed++;
    // Juju keeps what the failed hook could not take back (status) and drops the rest.
    current = result.state;
  }
  throw new Error(`${JSON.stringify(event)} kept failing ${MAX_RERUNS + 1} times`);
}

/** One step: the state change Juju would see, then its hook. Returns the committed state. */
async function step(runner: Runner, state: JujuState, s: Step): Promise<JujuState> {
  const changed = (relationId: number): HookEvent => ({
    kind: "relation",
    name: "changed",
    relationId,
  });
  switch (s.type) {
    case "join":
    case "change": {
      const existing = find(state, relationId(s.app));
      const port = s.type === "change" ? s.port : 8080;
      const next = withRelation(state, {
        ...ingress(s.app, port),
        ...(existing?.localAppData ? { localAppData: existing.localAppData } : {}),
      });
      return (await hook(runner, next, changed(relationId(s.app)))).state;
    }
    case "leave":
    case "certificates-leave": {
      const id = s.type === "leave" ? relationId(s.app) : CERTS_ID;
      if (!find(state, id)) return state;
      const result = await hook(runner, state, {
        kind: "relation",
        name: "broken",
        relationId: id,
      });
      return withoutRelation(result.state, id);
    }
    case "config": {
      const config = {
        "gateway-class": "cilium",
        "external-hostname": s.hostname,
        "enforce-https": s.enforceHttps,
        "hsts-max-age": s.hsts,
      };
      return (await hook(runner, { ...state, config }, { kind: "hook", name: "config-changed" }))
        .state;
    }
    case "certificates-join": {
      if (find(state, CERTS_ID)) return state;
      return (await hook(runner, withRelation(state, CERTIFICATES), changed(CERTS_ID))).state;
    }
    case "issue":
    case "revoke": {
      const relation = find(state, CERTS_ID);
      if (!relation) return state;
      const entries = [];
      for (const csr of ourCsrs(state)) {
        entries.push({
          ...(await ca.issue(csr)),
          ...(s.type === "revoke" ? { revoked: true } : {}),
        });
      }
      const next = withRelation(state, {
        ...relation,
        remoteAppData: { certificates: JSON.stringify(entries) },
      });
      return (await hook(runner, next, changed(CERTS_ID))).state;
    }
    case "address": {
      // The Gateway controller, not a hook: it needs the Gateway to exist.
      if (runner.cluster.server.get("Gateway", NAMESPACE, APP)) {
        runner.cluster.setGatewayAddresses(APP, [{ value: s.value }]);
      }
      return (await hook(runner, state, { kind: "hook", name: "update-status" })).state;
    }
    case "leader": {
      const name = s.leader ? "leader-elected" : "leader-settings-changed";
      return (await hook(runner, { ...state, leader: s.leader }, { kind: "hook", name })).state;
    }
    case "update-status":
      return (await hook(runner, state, { kind: "hook", name: "update-status" })).state;
  }
}

function gatewayAddresses(cluster: Cluster): unknown[] | undefined {
  const status = cluster.server.get("Gateway", NAMESPACE, APP)?.status as
    | { addresses?: unknown[] }
    | undefined;
  return status?.addresses?.length ? status.addresses : undefined;
}

/** Every requirer's published URL (or none), by application. */
function urls(state: JujuState): Record<string, string | undefined> {
  return Object.fromEntries(
    relations(state).filter((r) => r.endpoint === "gateway").map((r) => [
      r.remoteApp,
      publishedUrl(r),
    ]),
  );
}

/** The URL published to a requirer, if any. */
function publishedUrl(relation: RelationState): string | undefined {
  const raw = relation.localAppData?.ingress;
  return raw === undefined ? undefined : (JSON.parse(raw) as { url: string }).url;
}

interface Route {
  name: string;
  hostnames: string[];
  sections: string[];
  paths: string[];
}

function routes(cluster: Cluster): Route[] {
  return cluster.objects("HTTPRoute")
    .filter((object) => object.metadata.labels?.[MANAGED_BY] === APP)
    .map((object) => {
      const spec = (object as unknown as {
        spec: {
          hostnames?: string[];
          parentRefs?: { sectionName?: string }[];
          rules?: { matches?: { path?: { value?: string } }[] }[];
        };
      }).spec;
      return {
        name: object.metadata.name,
        hostnames: spec.hostnames ?? [],
        sections: (spec.parentRefs ?? []).map((ref) => ref.sectionName ?? ""),
        paths: (spec.rules ?? []).flatMap((rule) =>
          (rule.matches ?? []).map((match) => match.path?.value ?? "")
        ),
      };
    });
}

/** Every published URL is served by a route of its requirer; every served requirer has one. */
function checkUrls(cluster: Cluster, state: JujuState): void {
  const live = routes(cluster);
  const addressed = gatewayAddresses(cluster) !== undefined;
  for (const relation of relations(state).filter((r) => r.endpoint === "gateway")) {
    const url = publishedUrl(relation);
    const own = live.filter((route) => route.name.startsWith(`${APP}-${relation.remoteApp}-`));
    if (url === undefined) {
      ok(
        own.length === 0 || !addressed || state.unitStatus?.status !== "active",
        `${relation.remoteApp} is served by ${own.map((r) => r.name)} but has no URL`,
      );
      continue;
    }
    const parsed = new URL(url);
    const scheme = parsed.protocol === "https:" ? "https" : "http";
    const serving = own.find((route) =>
      route.hostnames.includes(parsed.hostname) && route.paths.includes(parsed.pathname) &&
      route.sections.some((section) => section.startsWith(`${APP}-${scheme}-`))
    );
    ok(serving, `no route serves ${url} (routes: ${JSON.stringify(own)})`);
  }
}

/** The key secret's key is the key of every CSR we sent and of every TLS Secret we serve. */
async function checkKey(cluster: Cluster, state: JujuState, firstKey: string | undefined) {
  const secret = state.secrets?.find((s) => s.label === KEY_LABEL);
  const key = secret?.revisions.at(-1)?.content["private-key"];
  if (firstKey !== undefined) strictEqual(key, firstKey, "the key secret changed");
  const csrs = ourCsrs(state);
  const tlsSecrets = cluster.objects("Secret").filter((object) =>
    object.metadata.labels?.[MANAGED_BY] === APP
  );
  if (csrs.length === 0 && tlsSecrets.length === 0) return;
  ok(key, "CSRs or TLS Secrets without a key secret");
  const publicKey = await publicKeyOf(key);
  for (const csr of csrs) deepStrictEqual((await parseCsr(csr)).publicKey, publicKey);
  for (const object of tlsSecrets) {
    const data = (object as unknown as { data: Record<string, string> }).data;
    deepStrictEqual(await publicKeyOf(atob(data["tls.key"])), publicKey, object.metadata.name);
  }
}

const keyOf = (state: JujuState) =>
  state.secrets?.find((s) => s.label === KEY_LABEL)?.revisions.at(-1)?.content["private-key"];

/** The whole scenario of one sequence; throws on the first violated check. */
export async function runSequence(sequence: Sequence, figures: Figures, rate: number) {
  const cluster = await startCluster({ namespace: NAMESPACE });
  const runner: Runner = { cluster, figures, faulty: true };
  try {
    seedForeign(cluster);
    const foreign = foreignVersions(cluster);
    cluster.server.faultRandomly({ rate, seed: sequence.faultSeed, faults: [...FAULTS] });
    let state: JujuState = {
      leader: true,
      config: {
        "gateway-class": "cilium",
        "external-hostname": HOSTNAMES[0],
        "enforce-https": sequence.enforceHttps,
      },
      relations: [
        ingress("web", 8080),
        ...(sequence.api ? [ingress("api", 8080)] : []),
        ...(sequence.certificates ? [CERTIFICATES] : []),
      ],
    };
    state = (await hook(runner, state, { kind: "hook", name: "install" })).state;
    // The key stays the same while the certificates relation lasts.
    let key = keyOf(state);
    for (const s of sequence.steps) {
      state = await step(runner, state, s);
      if (!find(state, CERTS_ID)) key = undefined;
      else if (key !== undefined) strictEqual(keyOf(state), key, `the key changed at ${s.type}`);
      else key = keyOf(state);
    }

    // Faults off; one converging hook as the leader.
    cluster.server.clearRules();
    runner.faulty = false;
    const event: HookEvent = state.leader
      ? { kind: "hook", name: "update-status" }
      : { kind: "hook", name: "leader-elected" };
    const converged = (await hook(runner, { ...state, leader: true }, event)).state;

    deepStrictEqual(foreignVersions(cluster), foreign, "foreign objects were touched");
    checkUrls(cluster, converged);
    await checkKey(cluster, converged, key);

    // One more fault-free hook: if the converging one wrote the Gateway's spec, the CRD's pending
    // conditions are back and this one reports them, as a fresh run given that answer does.
    const settled = (await hook(runner, converged, { kind: "hook", name: "update-status" })).state;

    // A fault-free run of the same final state from nothing makes the same objects.
    const baseline = await startCluster({ namespace: NAMESPACE });
    try {
      seedForeign(baseline);
      const fresh: Runner = { cluster: baseline, figures, faulty: false };
      let final = await hook(fresh, converged, { kind: "hook", name: "update-status" });
      const addresses = gatewayAddresses(cluster);
      if (addresses && baseline.server.get("Gateway", NAMESPACE, APP)) {
        // The same Gateway controller answer (addresses and conditions: a write of the Gateway's
        // spec after the addresses brings back the CRD's pending ones), then the hook that reads it.
        // A hook that writes the Gateway's spec brings the pending conditions back (the charm then
        // truthfully waits for the controller): the controller answers again, up to three times.
        const status = cluster.server.get("Gateway", NAMESPACE, APP)?.status;
        const generation = () =>
          (baseline.server.get("Gateway", NAMESPACE, APP)?.metadata as
            | { generation?: number }
            | undefined)
            ?.generation;
        for (let round = 0; round < 3; round++) {
          const before = generation();
          baseline.server.setStatus("Gateway", NAMESPACE, APP, status);
          final = await hook(fresh, final.state, { kind: "hook", name: "update-status" });
          if (generation() === before) break;
        }
      }
      deepStrictEqual(final.state.unitStatus, settled.unitStatus, "statuses differ");
      deepStrictEqual(urls(final.state), urls(settled), "published URLs differ");
      // Blocked, the charm removes routes and Services but keeps the Gateway and TLS Secrets it
      // made before (README: Hostile or malformed input), which a fresh run never made.
      const kinds = settled.unitStatus?.status === "blocked"
        ? ["HTTPRoute", "Service"]
        : OWNED_KINDS;
      deepStrictEqual(
        ownedObjects(cluster, kinds),
        ownedObjects(baseline, kinds),
        "owned objects differ",
      );
    } finally {
      await baseline.close();
    }
    figures.sequences++;
  } catch (error) {
    figures.violations++;
    throw error;
  } finally {
    await cluster.close();
  }
}

/**
 * Runs `count` generated sequences at `rate`. Each part of the suite (a test file, so that the
 * parts run in parallel) takes the seed `FC_SEED + part`; a failure names the FC_SEED to replay.
 */
export async function runSequences(part: number, count: number, rate: number, figures: Figures) {
  try {
    await fc.assert(
      fc.asyncProperty(sequenceArb, (sequence) => runSequence(sequence, figures, rate)),
      // Each case costs several hook processes: report the first counterexample unshrunk.
      { seed: SEED + part, numRuns: count, endOnFailure: true },
    );
  } catch (error) {
    if (error instanceof Error) {
      error.message = `replay with FC_SEED=${SEED} (part ${part}): ${error.message}`;
    }
    throw error;
  }
}

/** Sequences per part (four parts: 200 a run); `FAULT_SEQUENCES` changes it. */
const PER_PART = Number(Deno.env.get("FAULT_SEQUENCES") ?? "50");
/** The per-request fault rate of the issue's measure. */
export const RATE = 0.15;
/** At most this share of the hooks run under faults may fail (and be run again). */
const MAX_FAILED_SHARE = 0.05;

/** The test of one part: its sequences hold every check, and few hooks fail. */
export function defineFaultSequenceTest(part: number): void {
  Deno.test(
    `fault sequences, part ${part}: at a ${RATE * 100}% fault rate every sequence converges`,
    async () => {
      const figures = emptyFigures();
      try {
        await runSequences(part, PER_PART, RATE, figures);
      } finally {
        // The figures BENCHMARKS.md records (summed over the parts).
        console.log(`fault sequences part ${part} (FC_SEED=${SEED}): ${JSON.stringify(figures)}`);
      }
      ok(
        figures.hooksFailed <= MAX_FAILED_SHARE * figures.hooks,
        `${figures.hooksFailed} of ${figures.hooks} hooks failed`,
      );
    },
  );
}
