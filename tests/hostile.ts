/**
 * Shared by the hostile-input tests (issue 8): requirer and provider relations, running a hook of
 * the packed charm that must exit 0, and a table runner for malformed variants of one databag:
 * whatever a requirer, a provider or the operator writes, the hook exits 0 with a status and a
 * log line that name the problem, and a valid requirer beside the bad one keeps its URL.
 */
import { ok, strictEqual } from "node:assert/strict";
import { type Cluster, startCluster } from "./cluster.ts";
import type { HookEvent, HookResult, JujuState, RelationState } from "./harness/juju/state.ts";
import { packedCharmDir, runHook } from "./harness/runner.ts";
import { escapeControls } from "../src/juju/text.ts";

export const APP = "gateway-api-integrator";
export const HOST = "gw.example.com";
const charmDir = await packedCharmDir();

export const CHANGED: HookEvent = { kind: "hook", name: "config-changed" };
export const UPDATE: HookEvent = { kind: "hook", name: "update-status" };
export const HTTP = {
  "enforce-https": false,
  "gateway-class": "cilium",
  "external-hostname": HOST,
};
export const ENFORCED = { "gateway-class": "cilium", "external-hostname": HOST };
export const CERTS_ID = 90;
export const HUGE = "a".repeat(200_000);

export function ingress(
  id: number,
  app: string,
  appData: Record<string, string> = {},
  units?: Record<string, Record<string, string>>,
): RelationState {
  return {
    id,
    endpoint: "gateway",
    remoteApp: app,
    remoteAppData: { model: '"testing"', name: JSON.stringify(app), port: "8080", ...appData },
    remoteUnits: units ?? { [`${app}/0`]: { host: JSON.stringify(`${app}-0.${app}-endpoints`) } },
  };
}

export const WEB = ingress(1, "web");

export function route(id: number, app: string, data: Record<string, string>): RelationState {
  return {
    id,
    endpoint: "gateway-route",
    remoteApp: app,
    remoteUnits: { [`${app}/0`]: {} },
    remoteAppData: data,
  };
}

export const certificates = (data: Record<string, string> = {}): RelationState => ({
  id: CERTS_ID,
  endpoint: "certificates",
  remoteApp: "ca",
  remoteUnits: { "ca/0": {} },
  remoteAppData: data,
});

export async function run(
  cluster: Cluster,
  state: JujuState,
  event: HookEvent,
): Promise<HookResult> {
  const result = await runHook(charmDir, state, event, { env: cluster.env });
  strictEqual(result.exitCode, 0, `exit ${result.exitCode}: ${result.stderr.slice(-2000)}`);
  return result;
}

export const relation = (state: JujuState, id: number) =>
  state.relations!.find((r) => r.id === id)!;
export const url = (result: HookResult, id: number) => {
  const raw = relation(result.state, id).localAppData?.ingress;
  return raw === undefined ? undefined : (JSON.parse(raw) as { url: string }).url;
};
export const names = (cluster: Cluster, kind: string) =>
  cluster.objects(kind).map((object) => object.metadata.name).sort();
/** The state with a relation added, or its remote side replaced (our databags are kept). */
export function withRelation(state: JujuState, remote: RelationState): JujuState {
  const existing = state.relations!.find((r) => r.id === remote.id);
  const local = existing
    ? { localAppData: existing.localAppData, localUnitData: existing.localUnitData }
    : {};
  return {
    ...state,
    relations: [...state.relations!.filter((r) => r.id !== remote.id), { ...remote, ...local }],
  };
}

/** Every argument the charm gave a hook tool is free of control characters but tab and newline. */
export function assertClean(result: HookResult): void {
  for (const call of result.toolCalls) {
    for (const arg of call.args) {
      strictEqual(escapeControls(arg), arg, `${call.tool}: ${JSON.stringify(arg)}`);
    }
  }
  const message = result.state.unitStatus?.message ?? "";
  ok(message.length <= 500, `status of ${message.length} characters`);
}

export interface Variant {
  readonly name: string;
  /** The state of the hook, from the base state after the first two hooks. */
  readonly state: (base: JujuState) => JujuState | Promise<JujuState>;
  readonly status: "active" | "blocked" | "waiting";
  /** What the status message must match. */
  readonly message: RegExp;
  /** What some WARNING log line must match (the problem named in the log). */
  readonly log?: RegExp;
}

/**
 * Runs the base state (first hook, then with a Gateway address), checks `steady` of it, then each
 * variant as one more hook from the base state: exit 0, its status, its log line, clean hook-tool
 * arguments, and `steady` again (a valid requirer beside the bad one keeps its URL).
 */
export function table(
  family: string,
  base: JujuState,
  variants: readonly Variant[],
  steady: (result: HookResult, cluster: Cluster) => void,
) {
  Deno.test(`hostile ${family}: every variant exits 0 with a status naming it`, async (t) => {
    await withCluster(async (cluster) => {
      const first = await run(cluster, base, CHANGED);
      cluster.setGatewayAddresses(APP, [{ value: "10.0.0.9" }]);
      const ready = await run(cluster, first.state, UPDATE);
      steady(ready, cluster);
      for (const variant of variants) {
        await t.step(variant.name, async () => {
          const result = await run(cluster, await variant.state(ready.state), UPDATE);
          checkVariant(result, variant);
          steady(result, cluster);
        });
      }
    });
  });
}

/** The assertions every variant shares: its status, its log line, clean hook-tool arguments. */
export function checkVariant(result: HookResult, variant: Variant): void {
  const status = result.state.unitStatus;
  strictEqual(status?.status, variant.status, JSON.stringify(status));
  ok(variant.message.test(status.message), status.message.slice(0, 500));
  if (variant.log) {
    const logs = result.logs.filter((log) => log.level === "WARNING").map((log) => log.message);
    ok(
      logs.some((log) => variant.log!.test(log)),
      JSON.stringify(logs.map((l) => l.slice(0, 300))),
    );
  }
  assertClean(result);
}

/** Runs a test with a fresh fake cluster, closed afterwards. */
export async function withCluster(test: (cluster: Cluster) => Promise<void>): Promise<void> {
  const cluster = await startCluster();
  try {
    await test(cluster);
  } finally {
    await cluster.close();
  }
}

/** A regular expression matching `text` literally. */
export const literally = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
