/** config, leadership, status, logging, actions, state, network, goal-state and ports tools. */

import assert from "node:assert/strict";
import { fakeJuju, json, tool } from "./juju/fixtures.ts";
import type { HookEvent } from "./juju/state.ts";

const ACTION: HookEvent = {
  kind: "action",
  name: "get-certificate",
  params: { hostname: "a.example" },
};

Deno.test("config-get: set values and non-null defaults; Go-style numbers", async () => {
  const fake = fakeJuju({ config: { "external-hostname": "gw.example", replicas: 5 } });
  const result = await tool(fake, "config-get --format=json");
  assert.equal(
    result.stdout,
    '{"enabled":true,"external-hostname":"gw.example","gateway-class":"cilium","ratio":1,"replicas":5}\n',
  );
  assert.equal(await json(fake, "config-get --format=json replicas"), 5);
  assert.equal(await json(fake, "config-get --format=json no-default"), null);
  assert.equal(await json(fake, "config-get --format=json unknown-key"), null);
  const all = await json(fake, "config-get --format=json --all") as Record<string, unknown>;
  assert.equal(all["no-default"], null);
  assert.equal(all.credentials, null);
});

Deno.test("is-leader: true or false", async () => {
  assert.equal(
    (await tool(fakeJuju({ leader: true }), "is-leader --format=json")).stdout,
    "true\n",
  );
  assert.equal(
    (await tool(fakeJuju({ leader: false }), "is-leader --format=json")).stdout,
    "false\n",
  );
});

Deno.test("status-set: validation texts and exit codes", async () => {
  const fake = fakeJuju({ leader: false });
  for (
    const [line, code, stderr] of [
      ["status-set", 2, "ERROR invalid args, require <status> [message]\n"],
      [
        "status-set error boom",
        2,
        'ERROR invalid status "error", expected one of [maintenance blocked waiting active]\n',
      ],
      ["status-set active a b", 2, 'ERROR unrecognized args: ["b"]\n'],
      ["status-set --application=True active", 1, "ERROR this unit is not the leader\n"],
    ] as const
  ) {
    assert.deepEqual(await tool(fake, line), { code, stdout: "", stderr }, line);
  }
});

Deno.test("status-set is immediate: kept and recorded even when the hook fails", async () => {
  const fake = fakeJuju({ appStatus: { status: "active", message: "" } });
  await fake.run("status-set", ["--application=False", "maintenance", "--", "-- working --"]);
  await fake.run("status-set", ["--application=True", "blocked", "needs trust"]);
  await fake.run("application-version-set", ["--", "1.2.3"]);
  const result = fake.finish(1);
  assert.deepEqual(result.statusHistory, [
    { target: "unit", status: "maintenance", message: "-- working --" },
    { target: "app", status: "blocked", message: "needs trust" },
  ]);
  assert.deepEqual(result.state.appStatus, { status: "blocked", message: "needs trust" });
  assert.equal(result.state.workloadVersion, "1.2.3");
  // Juju puts a unit whose hook failed into error.
  assert.deepEqual(result.state.unitStatus, {
    status: "error",
    message: 'hook failed: "update-status"',
  });
});

Deno.test("status-get: unit shape, and the nested application-status shape for the leader", async () => {
  const fake = fakeJuju({
    unitStatus: { status: "active", message: "ok" },
    appStatus: { status: "waiting", message: "w" },
  });
  assert.deepEqual(
    await json(fake, "status-get --include-data --format=json --application=false"),
    {
      message: "ok",
      status: "active",
      "status-data": {},
    },
  );
  assert.equal(await json(fake, "status-get --format=json"), "active");
  assert.deepEqual(await json(fake, "status-get --include-data --format=json --application=true"), {
    "application-status": {
      message: "w",
      status: "waiting",
      "status-data": {},
      units: { "gateway/0": { message: "ok", status: "active", "status-data": {} } },
    },
  });
  assert.deepEqual(
    await tool(fakeJuju({ leader: false }), "status-get --application --format=json"),
    {
      code: 1,
      stdout: "",
      stderr: "ERROR finding application status: this unit is not the leader\n",
    },
  );
});

Deno.test("status: install starts in maintenance unless the charm already set a status", async () => {
  const install = fakeJuju({}, { kind: "hook", name: "install" });
  assert.deepEqual(await json(install, "status-get --include-data --format=json"), {
    message: "installing charm software",
    status: "maintenance",
    "status-data": {},
  });
});

Deno.test("application-version-set needs a version", async () => {
  assert.deepEqual(await tool(fakeJuju(), "application-version-set"), {
    code: 2,
    stdout: "",
    stderr: "ERROR no version specified\n",
  });
});

Deno.test("juju-log: levels, message required, relation prefix", async () => {
  const fake = fakeJuju({}, {
    kind: "relation",
    name: "changed",
    relationId: 3,
    remoteUnit: "traefik/0",
  });
  await fake.run("juju-log", ["--log-level", "DEBUG", "--", "-starts with dash"]);
  await fake.run("juju-log", ["-l", "warn", "two", "words"]);
  await fake.run("juju-log", ["--log-level=LOUD", "m"]);
  await fake.run("juju-log", ["plain"]);
  assert.deepEqual(await tool(fake, "juju-log --log-level INFO"), {
    code: 2,
    stdout: "",
    stderr: "ERROR no message specified\n",
  });
  assert.deepEqual(fake.finish(1).logs, [
    { level: "DEBUG", message: "ingress:3: -starts with dash" },
    { level: "WARNING", message: "ingress:3: two words" },
    { level: "WARNING", message: 'Specified log level of "LOUD" is not valid' },
    { level: "INFO", message: "ingress:3: m" },
    { level: "INFO", message: "ingress:3: plain" },
  ]);
});

Deno.test("action-*: outside an action all fail with 'not running an action'", async () => {
  const fake = fakeJuju();
  for (const line of ["action-get", "action-set a=b", "action-fail", "action-log hello"]) {
    assert.deepEqual(await tool(fake, line), {
      code: 1,
      stdout: "",
      stderr: "ERROR not running an action\n",
    }, line);
  }
});

Deno.test("action-get: params with defaults from actions.yaml; dotted keys", async () => {
  const fake = fakeJuju({}, ACTION);
  assert.deepEqual(await json(fake, "action-get --format=json"), {
    hostname: "a.example",
    verbose: false,
  });
  assert.equal(await json(fake, "action-get --format=json hostname"), "a.example");
  assert.equal(await json(fake, "action-get --format=json nope"), null);
  const nested = fakeJuju({}, { kind: "action", name: "nested-params" });
  assert.equal(await json(nested, "action-get --format=json options.a.b"), "c");
  assert.equal(await json(nested, "action-get --format=json options.a.x"), null);
  assert.equal(await json(nested, "action-get --format=json count"), 3);
});

Deno.test("action-set: key rules, reserved keys, accumulation, dotted keys nest", async () => {
  const fake = fakeJuju({}, ACTION);
  for (
    const [line, stderr] of [
      ["action-set novalue", 'ERROR argument "novalue" must be of the form key...=value\n'],
      [
        "action-set Bad=1",
        'ERROR key "Bad" must start and end with lowercase alphanumeric, and contain only lowercase alphanumeric, hyphens and periods\n',
      ],
      [
        "action-set a.-b=1",
        'ERROR key "-b" must start and end with lowercase alphanumeric, and contain only lowercase alphanumeric, hyphens and periods\n',
      ],
      ["action-set stdout=x", 'ERROR cannot set reserved action key "stdout"\n'],
      ["action-set stderr-encoding=x", 'ERROR cannot set reserved action key "stderr-encoding"\n'],
    ] as const
  ) {
    assert.deepEqual(await tool(fake, line), { code: 2, stdout: "", stderr }, line);
  }
  await fake.run("action-set", ["certificate=PEM", "ca.chain=C1"]);
  await fake.run("action-set", ["ca.issuer=me", "value=a=b"]);
  await fake.run("action-log", ["--", "step", "one"]);
  const result = fake.finish(0);
  assert.deepEqual(result.action, {
    status: "completed",
    results: { certificate: "PEM", ca: { chain: "C1", issuer: "me" }, value: "a=b" },
    logs: ["step one"],
  });
});

Deno.test("action-fail: default message; exit 0 still fails the action", async () => {
  const fake = fakeJuju({}, ACTION);
  await fake.run("action-fail", []);
  assert.deepEqual(fake.finish(0).action, {
    status: "failed",
    message: "action failed without reason given, check action for errors",
    results: {},
    logs: [],
  });
  const withMessage = fakeJuju({}, ACTION);
  await withMessage.run("action-fail", ["--", "no certificate yet"]);
  assert.equal(withMessage.finish(0).action?.message, "no certificate yet");
});

Deno.test("action: a non-zero exit fails the action with 'exit status N' and no unit error", () => {
  const result = fakeJuju({ unitStatus: { status: "active", message: "" } }, ACTION).finish(3);
  assert.equal(result.action?.status, "failed");
  assert.equal(result.action?.message, "exit status 3");
  assert.deepEqual(result.state.unitStatus, { status: "active", message: "" });
});

Deno.test("state-get: null when empty, '' for a missing key, --strict errors", async () => {
  const empty = fakeJuju();
  assert.equal((await tool(empty, "state-get --format=json")).stdout, "null\n");
  const fake = fakeJuju({ unitState: { b: "2", a: "1" } });
  assert.equal((await tool(fake, "state-get --format=json")).stdout, '{"a":"1","b":"2"}\n');
  assert.equal(await json(fake, "state-get --format=json a"), "1");
  assert.equal(await json(fake, "state-get --format=json missing"), "");
  assert.deepEqual(await tool(fake, "state-get --format=json --strict missing"), {
    code: 1,
    stdout: "",
    stderr: 'ERROR "missing" not found\n',
  });
});

Deno.test("state-set/state-delete: k=v and --file -, limits, buffered", async () => {
  const fake = fakeJuju({ unitState: { keep: "k", drop: "d" } });
  assert.equal(
    (await fake.run("state-set", ["--file", "-", "b=arg"], '{"a": "x", "b": "file"}')).code,
    0,
  );
  assert.equal((await tool(fake, "state-delete drop")).code, 0);
  assert.equal((await tool(fake, "state-delete never-there")).code, 0);
  assert.deepEqual(await json(fake, "state-get --format=json"), { a: "x", b: "arg", keep: "k" });
  assert.deepEqual(await fake.run("state-set", ["k".repeat(257) + "=v"]), {
    code: 1,
    stdout: "",
    stderr: "ERROR max allowed key length (256) exceeded\n",
  });
  assert.deepEqual(await fake.run("state-set", ["k=" + "v".repeat(65537)]), {
    code: 1,
    stdout: "",
    stderr: "ERROR max allowed value length (65536) exceeded\n",
  });
  assert.equal((await fake.run("state-set", ["k=" + "v".repeat(65536)])).code, 0);
  assert.deepEqual(fake.finish(1).state.unitState, { keep: "k", drop: "d" });
});

Deno.test("state-set is committed on exit 0", async () => {
  const fake = fakeJuju();
  await tool(fake, "state-set a=1");
  assert.deepEqual(fake.finish(0).state.unitState, { a: "1" });
});

Deno.test("network-get: Juju's shape, single values, unknown bindings", async () => {
  const fake = fakeJuju({
    networks: { ingress: { ingressAddress: "10.9.8.7", bindAddress: "10.1.1.5" } },
  });
  assert.equal(
    (await tool(fake, "network-get --format=json ingress")).stdout,
    '{"bind-addresses":[{"mac-address":"","interface-name":"","addresses":[{"hostname":"","value":"10.1.1.5",' +
      '"cidr":"10.1.1.0/24"}]}],"egress-subnets":["10.9.8.7/32"],"ingress-addresses":["10.9.8.7"]}\n',
  );
  assert.equal(await json(fake, "network-get --format=json ingress --ingress-address"), "10.9.8.7");
  assert.equal(
    await json(fake, "network-get --format=json -r 3 ingress --bind-address"),
    "10.1.1.5",
  );
  assert.deepEqual(await json(fake, "network-get --format=json juju-info --egress-subnets"), [
    "10.1.0.10/32",
  ]);
  assert.deepEqual(
    await json(fake, "network-get --format=json peer --ingress-address --bind-address"),
    {
      "bind-address": "10.1.0.10",
      "ingress-address": "10.1.0.10",
    },
  );
  assert.deepEqual(await tool(fake, "network-get --format=json nope"), {
    code: 1,
    stdout: "",
    stderr: 'ERROR no network config found for binding "nope"\n',
  });
  assert.deepEqual(await tool(fake, "network-get --format=json"), {
    code: 2,
    stdout: "",
    stderr: "ERROR no arguments specified\n",
  });
});

Deno.test("goal-state: units from planned, relations with remote apps and units", async () => {
  const fake = fakeJuju({ planned: { units: { "gateway/0": "active", "gateway/1": "dying" } } });
  const since = "2026-01-01 00:00:00Z";
  assert.deepEqual(await json(fake, "goal-state --format=json"), {
    units: { "gateway/0": { status: "active", since }, "gateway/1": { status: "dying", since } },
    relations: {
      ingress: {
        traefik: { status: "joined", since },
        "traefik/0": { status: "active", since },
        "traefik/1": { status: "active", since },
        other: { status: "joined", since },
        "other/0": { status: "active", since },
      },
      peer: { "gateway/1": { status: "active", since } },
      certificates: { ca: { status: "dying", since }, "ca/0": { status: "dying", since } },
    },
  });
});

Deno.test("open-port/close-port/opened-ports: single ports on K8s, buffered", async () => {
  const fake = fakeJuju({ openedPorts: ["443/tcp"] });
  for (const line of ["open-port 80", "open-port 53/udp", "open-port icmp", "close-port 443/tcp"]) {
    assert.deepEqual(await tool(fake, line), { code: 0, stdout: "", stderr: "" }, line);
  }
  assert.deepEqual(await json(fake, "opened-ports --format=json"), ["icmp", "80/tcp", "53/udp"]);
  assert.deepEqual(await json(fake, "opened-ports --format=json --endpoints"), [
    "icmp (*)",
    "80/tcp (*)",
    "53/udp (*)",
  ]);
  for (
    const [line, code, stderr] of [
      [
        "open-port 8000-8100/tcp",
        1,
        "ERROR port ranges are not supported for k8s applications, please specify a single port\n",
      ],
      ["open-port", 2, "ERROR no port or range specified\n"],
      ["open-port 0", 2, 'ERROR port must be in the range [1, 65535]; got "0"\n'],
      ["open-port 80/sctp", 2, 'ERROR protocol must be "tcp", "udp", or "icmp"; got "sctp"\n'],
      [
        "close-port http",
        2,
        'ERROR expected <port>[/<protocol>] or <from>-<to>[/<protocol>] or icmp; got "http"\n',
      ],
    ] as const
  ) {
    assert.deepEqual(await tool(fake, line), { code, stdout: "", stderr }, line);
  }
  assert.deepEqual(fake.finish(0).state.openedPorts, ["icmp", "80/tcp", "53/udp"]);
});

Deno.test("ports are dropped when the hook fails", async () => {
  const fake = fakeJuju({ openedPorts: ["443/tcp"] });
  await tool(fake, "open-port 80");
  assert.deepEqual(fake.finish(2).state.openedPorts, ["443/tcp"]);
});

Deno.test("toolCalls: every call in order with its exit code and consumed stdin", async () => {
  const fake = fakeJuju();
  await fake.run("is-leader", ["--format=json"]);
  await fake.run("relation-set", ["-r", "3", "--file", "-"], "a: b\n");
  await fake.run("status-set", ["bogus"]);
  await fake.run("relation-set", ["-r", "3", "c=d"], "ignored");
  assert.deepEqual(fake.finish(0).toolCalls, [
    { tool: "is-leader", args: ["--format=json"], code: 0 },
    { tool: "relation-set", args: ["-r", "3", "--file", "-"], code: 0, stdin: "a: b\n" },
    { tool: "status-set", args: ["bogus"], code: 2 },
    { tool: "relation-set", args: ["-r", "3", "c=d"], code: 0 },
  ]);
});

Deno.test("finish: a successful hook leaves untouched parts of the state exactly as given", () => {
  const state = { leader: true, unitStatus: { status: "active" as const, message: "" } };
  const fake = fakeJuju(state);
  const after = fake.finish(0).state;
  assert.equal(after.leader, true);
  assert.deepEqual(after.unitStatus, state.unitStatus);
  assert.equal(after.unitState, undefined);
  assert.equal(after.secrets, undefined);
  assert.equal(after.openedPorts, undefined);
});
