/**
 * `deno task demo`: a simulated deployment of the packed charm. Each step is what an operator
 * does (`juju deploy`, `juju config`, `juju integrate`, …); each hook Juju would run for it goes
 * through the black-box runner with the state the previous hook left, and its status is printed.
 */
import type { HookEvent, HookResult, JujuState, RelationState } from "./harness/juju/state.ts";
import { packedCharmDir, runHook } from "./harness/runner.ts";

const charmDir = await packedCharmDir();
let state: JujuState = { leader: true, modelName: "demo" };

function describe(event: HookEvent): string {
  switch (event.kind) {
    case "hook":
      return event.name;
    case "relation": {
      const endpoint = state.relations?.find((r) => r.id === event.relationId)?.endpoint ?? "?";
      return `${endpoint}-relation-${event.name}${
        event.remoteUnit ? ` (${event.remoteUnit})` : ""
      }`;
    }
    case "secret":
      return `secret-${event.name}`;
    case "action":
      return `action ${event.name} ${JSON.stringify(event.params ?? {})}`;
  }
}

function outcome(result: HookResult): string {
  if (result.action) {
    const { status, message, results } = result.action;
    return `action ${status}${message ? `: ${message}` : ""}${
      Object.keys(results).length ? ` ${JSON.stringify(results)}` : ""
    }`;
  }
  const status = result.state.unitStatus;
  return status ? `${status.status}: ${status.message}` : "(no status)";
}

async function hook(event: HookEvent): Promise<void> {
  const result = await runHook(charmDir, state, event);
  state = result.state;
  const exit = result.exitCode === 0 ? "" : ` [exit ${result.exitCode}]`;
  console.log(
    `  ${describe(event).padEnd(52)} ${result.durationMs.toFixed(0).padStart(4)} ms  ${
      outcome(result)
    }${exit}`,
  );
}

function step(title: string): void {
  console.log(`\n$ ${title}`);
}

async function configure(values: Record<string, string | number | boolean>): Promise<void> {
  step(
    `juju config gateway-api-integrator ${
      Object.entries(values).map(([k, v]) => `${k}=${v}`).join(" ")
    }`,
  );
  state = { ...state, config: { ...state.config, ...values } };
  await hook({ kind: "hook", name: "config-changed" });
}

console.log(`Simulated deployment of ${charmDir}/dispatch (fake Juju, model "demo")`);

step("juju deploy gateway-api-integrator --trust");
for (const name of ["install", "leader-elected", "config-changed", "start"]) {
  await hook({ kind: "hook", name });
}

await configure({ "enforce-https": false, "gateway-class": "cilium" });

step("juju deploy web && juju integrate web:ingress gateway-api-integrator:gateway");
const web: RelationState = { id: 1, endpoint: "gateway", remoteApp: "web", remoteUnits: {} };
state = { ...state, relations: [...(state.relations ?? []), web] };
await hook({ kind: "relation", name: "created", relationId: 1 });
state = {
  ...state,
  relations: state.relations?.map((r) =>
    r.id === 1
      ? {
        ...r,
        remoteAppData: { model: '"demo"', name: '"web"', port: "8080" },
        remoteUnits: { "web/0": { host: '"web-0.web-endpoints.demo.svc.cluster.local"' } },
      }
      : r
  ),
};
await hook({ kind: "relation", name: "joined", relationId: 1, remoteUnit: "web/0" });
await hook({ kind: "relation", name: "changed", relationId: 1, remoteUnit: "web/0" });

await configure({ "external-hostname": "bad_host.example.com" });
await configure({ "external-hostname": "gw.example.com" });

step("juju run gateway-api-integrator/0 get-certificate hostname=gw.example.com");
await hook({ kind: "action", name: "get-certificate", params: { hostname: "gw.example.com" } });

step("juju remove-relation web gateway-api-integrator");
state = {
  ...state,
  relations: state.relations?.map((r) =>
    r.id === 1 ? { ...r, remoteUnits: {}, departedUnits: r.remoteUnits } : r
  ),
};
await hook({
  kind: "relation",
  name: "departed",
  relationId: 1,
  remoteUnit: "web/0",
  departingUnit: "web/0",
});
state = {
  ...state,
  relations: state.relations?.map((r) => (r.id === 1 ? { ...r, dying: true } : r)),
};
await hook({ kind: "relation", name: "broken", relationId: 1 });
state = { ...state, relations: state.relations?.filter((r) => r.id !== 1) };

step("(5 minutes later)");
await hook({ kind: "hook", name: "update-status" });
