/**
 * Black-box hook tests: the packed charm's `dispatch` runs as Juju runs it, against the fake
 * hook tools, for every kind of event.
 */
import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import type { HookEvent, HookResult, JujuState } from "./harness/juju/state.ts";
import { packedCharmDir, runHook } from "./harness/runner.ts";
import { startCluster } from "./cluster.ts";

const CERTIFICATES_NEEDED = "Certificates relation is needed if enforce-https is enabled.";
const STANDBY = "standby: waiting for the new leader to reconcile";
// With a certificates relation, the certificate is what the charm waits for first.
const WAITING_TLS = "Waiting for TLS certificates to be issued.";

const charmDir = await packedCharmDir();
const cluster = await startCluster();
globalThis.addEventListener("unload", () => cluster.close());

function run(state: JujuState, event: HookEvent): Promise<HookResult> {
  return runHook(charmDir, state, event, { env: cluster.env });
}

const unitStatus = (result: HookResult) =>
  result.statusHistory.filter((s) => s.target === "unit").at(-1);

const CERTIFICATES = {
  id: 4,
  endpoint: "certificates",
  remoteApp: "ca",
  remoteUnits: { "ca/0": {} },
};
const INGRESS = {
  id: 7,
  endpoint: "gateway",
  remoteApp: "web",
  remoteAppData: { model: '"testing"', name: '"web"', port: "8080" },
  remoteUnits: { "web/0": { host: '"web-0.web-endpoints.testing.svc.cluster.local"' } },
};

for (
  const hook of [
    "install",
    "start",
    "config-changed",
    "update-status",
    "upgrade-charm",
    "leader-elected",
  ]
) {
  Deno.test(`${hook} runs the reconcile and sets the status`, async () => {
    const result = await run({ leader: true }, { kind: "hook", name: hook });
    strictEqual(result.exitCode, 0, result.stderr);
    deepStrictEqual(unitStatus(result), {
      target: "unit",
      status: "blocked",
      message: CERTIFICATES_NEEDED,
    });
    deepStrictEqual(result.state.unitStatus, { status: "blocked", message: CERTIFICATES_NEEDED });
  });
}

Deno.test("a non-leader unit is an Active standby and writes nothing else", async () => {
  const result = await run({ leader: false }, { kind: "hook", name: "leader-settings-changed" });
  strictEqual(result.exitCode, 0, result.stderr);
  deepStrictEqual(unitStatus(result), { target: "unit", status: "active", message: STANDBY });
  deepStrictEqual(result.toolCalls.map((call) => call.tool).sort(), [
    "is-leader",
    "relation-ids",
    "status-get",
    "status-set",
  ]);
  // When its status already says so, there is nothing to set.
  const again = await run(result.state, { kind: "hook", name: "leader-settings-changed" });
  strictEqual(again.exitCode, 0, again.stderr);
  deepStrictEqual(again.state.unitStatus, { status: "active", message: STANDBY });
  deepStrictEqual(again.toolCalls.map((call) => call.tool).sort(), [
    "is-leader",
    "relation-ids",
    "status-get",
  ]);
});

Deno.test("config is read once per hook", async () => {
  const result = await run({ leader: true, config: { "enforce-https": false } }, {
    kind: "hook",
    name: "config-changed",
  });
  strictEqual(result.toolCalls.filter((call) => call.tool === "config-get").length, 1);
  strictEqual(result.toolCalls.filter((call) => call.tool === "is-leader").length, 1);
});

Deno.test("an invalid external-hostname blocks with the option and value instead of crashing", async () => {
  const result = await run(
    {
      leader: true,
      config: { "enforce-https": false, "external-hostname": "bad_host.example.com" },
    },
    { kind: "hook", name: "config-changed" },
  );
  strictEqual(result.exitCode, 0, result.stderr);
  deepStrictEqual(result.state.unitStatus, {
    status: "blocked",
    message: 'Invalid external-hostname "bad_host.example.com": not a valid domain name',
  });
});

Deno.test("a valid configuration applies the Gateway and waits for its certificate", async () => {
  const result = await run(
    {
      leader: true,
      config: { "external-hostname": "gw.example.com", "gateway-class": "cilium" },
      relations: [CERTIFICATES, INGRESS],
    },
    { kind: "hook", name: "config-changed" },
  );
  strictEqual(result.exitCode, 0, result.stderr);
  deepStrictEqual(result.state.unitStatus, { status: "waiting", message: WAITING_TLS });
});

for (const phase of ["created", "joined", "changed", "departed", "broken"] as const) {
  Deno.test(`gateway-relation-${phase} runs the reconcile`, async () => {
    const remoteUnit = phase === "joined" || phase === "changed" || phase === "departed"
      ? "web/0"
      : undefined;
    const relation = phase === "departed"
      ? { ...INGRESS, remoteUnits: {}, departedUnits: INGRESS.remoteUnits }
      : phase === "broken"
      ? { ...INGRESS, remoteUnits: {}, dying: true }
      : INGRESS;
    const result = await run(
      {
        leader: true,
        config: { "external-hostname": "gw.example.com", "gateway-class": "cilium" },
        relations: [CERTIFICATES, relation],
      },
      {
        kind: "relation",
        name: phase,
        relationId: 7,
        remoteUnit,
        departingUnit: phase === "departed" ? remoteUnit : undefined,
      },
    );
    strictEqual(result.exitCode, 0, result.stderr);
    // While the ingress relation counts, its hostname needs a certificate; once it is broken
    // nothing is routed (the hostname only applies to ingress), so only the address is awaited.
    const message = phase === "broken" ? "Waiting for gateway address" : WAITING_TLS;
    deepStrictEqual(result.state.unitStatus, { status: "waiting", message });
  });
}

Deno.test("a relation being broken no longer counts as established", async () => {
  const result = await run(
    { leader: true, relations: [{ ...CERTIFICATES, remoteUnits: {}, dying: true }] },
    { kind: "relation", name: "broken", relationId: 4 },
  );
  strictEqual(result.exitCode, 0, result.stderr);
  deepStrictEqual(result.state.unitStatus, { status: "blocked", message: CERTIFICATES_NEEDED });
});

Deno.test("both ingress and gateway-route related blocks with the Python charm's message", async () => {
  const route = {
    id: 8,
    endpoint: "gateway-route",
    remoteApp: "configurator",
    remoteUnits: { "configurator/0": {} },
  };
  const result = await run(
    { leader: true, config: { "enforce-https": false }, relations: [INGRESS, route] },
    { kind: "relation", name: "changed", relationId: 8, remoteUnit: "configurator/0" },
  );
  deepStrictEqual(result.state.unitStatus, {
    status: "blocked",
    message: "Both Ingress and Gateway Route integrations are established. Only one is allowed.",
  });
});

Deno.test("secret-changed runs the reconcile", async () => {
  const secret = {
    id: "cs3b2n8ikgmbgoj2mea0",
    owner: null,
    revisions: [{ revision: 1, content: { a: "b" } }],
  };
  const result = await run({ leader: true, secrets: [secret] }, {
    kind: "secret",
    name: "changed",
    secretId: secret.id,
  });
  strictEqual(result.exitCode, 0, result.stderr);
  deepStrictEqual(result.state.unitStatus, { status: "blocked", message: CERTIFICATES_NEEDED });
});

for (const name of ["rotate", "remove"] as const) {
  Deno.test(`secret-${name} of our own secret exits 0 without a reconcile`, async () => {
    const secret = {
      id: "cs3b2n8ikgmbgoj2mea0",
      owner: "application" as const,
      label: "tls",
      revisions: [{ revision: 1, content: { a: "b" } }, { revision: 2, content: { a: "c" } }],
    };
    const result = await run({ leader: true, secrets: [secret] }, {
      kind: "secret",
      name,
      secretId: secret.id,
      revision: name === "rotate" ? undefined : 1,
    });
    strictEqual(result.exitCode, 0, result.stderr);
    deepStrictEqual(result.toolCalls, []);
  });
}

Deno.test("stop exits 0 and changes nothing", async () => {
  const result = await run({ leader: true }, { kind: "hook", name: "stop" });
  strictEqual(result.exitCode, 0, result.stderr);
  deepStrictEqual(result.toolCalls, []);
});

Deno.test("remove asks goal-state whether the application stays", async () => {
  const result = await run({ leader: true }, { kind: "hook", name: "remove" });
  strictEqual(result.exitCode, 0, result.stderr);
  deepStrictEqual(result.toolCalls.map((call) => call.tool), ["goal-state", "juju-log"]);
});

Deno.test("unknown hooks exit 0 without touching anything", async () => {
  for (const name of ["collect-metrics", "data-storage-attached", "hook-from-the-future"]) {
    const result = await run({ leader: true }, { kind: "hook", name });
    strictEqual(result.exitCode, 0, result.stderr);
    deepStrictEqual(result.toolCalls, [], name);
  }
});

Deno.test("get-certificate without a certificates relation fails once, clearly", async () => {
  const result = await run({ leader: true }, {
    kind: "action",
    name: "get-certificate",
    params: { hostname: "gw.example.com" },
  });
  strictEqual(result.exitCode, 0, result.stderr);
  deepStrictEqual(result.action, {
    status: "failed",
    message: "Certificate relation not ready.",
    results: {},
    logs: [],
  });
  strictEqual(result.toolCalls.filter((call) => call.tool === "action-fail").length, 1);
});

Deno.test("the hook environment has no HOME and the charm still runs", async () => {
  const result = await run({ leader: true }, { kind: "hook", name: "install" });
  strictEqual(result.exitCode, 0, result.stderr);
  strictEqual(result.stderr, "");
});

Deno.test("dispatch outside a Juju hook exits 2 and says what is missing", async () => {
  const out = await new Deno.Command(`${charmDir}/dispatch`, {
    clearEnv: true,
    env: { PATH: "/usr/bin:/bin" },
    cwd: charmDir,
    stdout: "piped",
    stderr: "piped",
  }).output();
  strictEqual(out.code, 2);
  const stderr = new TextDecoder().decode(out.stderr);
  ok(stderr.includes("not a Juju hook environment: JUJU_DISPATCH_PATH is not set"), stderr);
});

Deno.test("a hook tool that fails unexpectedly makes the hook fail so Juju retries it", async () => {
  // An is-leader that fails the way Juju's does when leadership cannot be determined.
  const bin = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(
      `${bin}/is-leader`,
      "#!/bin/sh\necho 'ERROR leadership status unknown: lost' >&2\nexit 1\n",
      {
        mode: 0o755,
      },
    );
    const result = await runHook(charmDir, { leader: true }, {
      kind: "hook",
      name: "config-changed",
    }, {
      env: { PATH: `${bin}:/usr/bin:/bin` },
    });
    strictEqual(result.exitCode, 1);
    ok(result.stderr.includes("leadership status unknown: lost"), result.stderr);
  } finally {
    await Deno.remove(bin, { recursive: true });
  }
});
