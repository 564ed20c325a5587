/**
 * The typed hook-tool adapters against the in-process fake Juju (same rules, argv grammar and
 * error texts as the black-box fake): argv shapes, parsing, caching and error mapping.
 */
import { deepStrictEqual, ok, rejects, strictEqual } from "node:assert/strict";
import { HookToolError } from "../../src/juju/errors.ts";
import { escapeControls } from "../../src/juju/text.ts";
import { createHookTools, type HookTools } from "../../src/juju/tools.ts";
import { FakeJuju } from "../harness/juju/fake_juju.ts";
import {
  checkConsistency,
  type HookEvent,
  type JujuState,
  loadCharmMetaFromCharmcraft,
} from "../harness/juju/state.ts";

const META = loadCharmMetaFromCharmcraft(
  new URL("../../charmcraft.yaml", import.meta.url).pathname,
);
const OWN = { unitName: "gateway-api-integrator/0", appName: "gateway-api-integrator" };

const RELATIONS: NonNullable<JujuState["relations"]> = [
  {
    id: 10,
    endpoint: "gateway",
    remoteApp: "web",
    remoteAppData: { model: '"demo"', name: '"web"', port: "8080" },
    remoteUnits: { "web/0": { host: '"web-0"' }, "web/1": { host: '"web-1"' } },
    localAppData: { ingress: '{"url":"http://old/demo-web"}' },
  },
  { id: 9, endpoint: "gateway", remoteApp: "api", remoteUnits: {} },
];

function setup(
  state: Partial<JujuState> = {},
  event: HookEvent = { kind: "hook", name: "update-status" },
) {
  const full: JujuState = { leader: true, relations: RELATIONS, ...state };
  checkConsistency(META, full, event);
  const fake = new FakeJuju(META, full, event);
  return { fake, tools: createHookTools(fake, OWN) };
}

async function failsWith(promise: Promise<unknown>, kind: string, message: RegExp) {
  await rejects(promise, (error: unknown) => {
    ok(error instanceof HookToolError, String(error));
    strictEqual(error.kind, kind, error.message);
    ok(message.test(error.message), error.message);
    return true;
  });
}

const argvOf = (fake: FakeJuju, tool: string) =>
  fake.finish(0).toolCalls.filter((call) => call.tool === tool).map((call) => call.args);

Deno.test("relation-ids: numeric ids sorted as numbers, endpoint kept", async () => {
  const { tools } = setup();
  deepStrictEqual(await tools.relationIds("gateway"), [{ endpoint: "gateway", id: 9 }, {
    endpoint: "gateway",
    id: 10,
  }]);
  deepStrictEqual(await tools.relationIds("certificates"), []);
});

Deno.test("relation-list and the remote application name", async () => {
  const { tools } = setup();
  const relation = { endpoint: "gateway", id: 10 };
  deepStrictEqual(await tools.relationUnits(relation), ["web/0", "web/1"]);
  strictEqual(await tools.relationRemoteApp(relation), "web");
});

Deno.test("relation-get passes -r endpoint:id as two arguments and reads each databag once", async () => {
  const { fake, tools } = setup();
  const relation = { endpoint: "gateway", id: 10 };
  const app = await tools.relationGet(relation, "web", true);
  strictEqual(app.port, "8080");
  await tools.relationGet(relation, "web", true);
  const unit = await tools.relationGet(relation, "web/0", false);
  strictEqual(unit.host, '"web-0"');
  ok(unit["private-address"], "Juju's own keys are present");
  deepStrictEqual(argvOf(fake, "relation-get"), [
    ["--format=json", "-r", "gateway:10", "--app", "-", "web"],
    ["--format=json", "-r", "gateway:10", "-", "web/0"],
  ]);
});

Deno.test("relation-set writes JSON on stdin and later reads of our databag see it", async () => {
  const { fake, tools } = setup();
  const relation = { endpoint: "gateway", id: 10 };
  deepStrictEqual(await tools.relationGet(relation, OWN.appName, true), {
    ingress: '{"url":"http://old/demo-web"}',
  });
  await tools.relationSet(relation, { ingress: '{"url":"http://new/demo-web"}', extra: "1" }, true);
  await tools.relationSet(relation, { extra: "" }, true);
  deepStrictEqual(await tools.relationGet(relation, OWN.appName, true), {
    ingress: '{"url":"http://new/demo-web"}',
  });
  const result = fake.finish(0);
  const set = result.toolCalls.filter((call) => call.tool === "relation-set");
  deepStrictEqual(set[0].args, ["-r", "gateway:10", "--app", "--file", "-"]);
  strictEqual(set[0].stdin, '{"ingress":"{\\"url\\":\\"http://new/demo-web\\"}","extra":"1"}');
  strictEqual(result.toolCalls.filter((call) => call.tool === "relation-get").length, 1);
  deepStrictEqual(result.state.relations?.find((r) => r.id === 10)?.localAppData, {
    ingress: '{"url":"http://new/demo-web"}',
  });
});

Deno.test("relation-set with nothing to write makes no call", async () => {
  const { fake, tools } = setup();
  await tools.relationSet({ endpoint: "gateway", id: 10 }, {}, true);
  strictEqual(fake.finish(0).toolCalls.length, 0);
});

Deno.test("relation data written in a failed hook is not kept", async () => {
  const { fake, tools } = setup();
  await tools.relationSet({ endpoint: "gateway", id: 10 }, { ingress: "" }, true);
  const result = fake.finish(1);
  deepStrictEqual(result.state.relations?.find((r) => r.id === 10)?.localAppData, {
    ingress: '{"url":"http://old/demo-web"}',
  });
});

Deno.test("relation tool failures are named: relation not found, permission denied", async () => {
  const { tools } = setup({ leader: false });
  await failsWith(
    tools.relationGet({ endpoint: "gateway", id: 99 }, "web", true),
    "relation-not-found",
    /not found/,
  );
  await failsWith(
    tools.relationGet({ endpoint: "dns-record", id: 10 }, "web", true),
    "relation-not-found",
    /not found/,
  );
  await failsWith(
    tools.relationGet({ endpoint: "gateway", id: 10 }, OWN.appName, true),
    "permission-denied",
    /^permission denied$/,
  );
  await failsWith(
    tools.relationSet({ endpoint: "gateway", id: 10 }, { a: "b" }, true),
    "permission-denied",
    /cannot write relation settings/,
  );
});

Deno.test("config-get and is-leader are read once per hook", async () => {
  const { fake, tools } = setup({ config: { "external-hostname": "gw.example.com" } });
  deepStrictEqual(await tools.configGet(), {
    "enforce-https": true,
    "external-hostname": "gw.example.com",
    "hsts-max-age": 31536000,
    "routing-mode": "path",
    "ingress-per-unit-tcp-ports": "20000-20999",
  });
  await tools.configGet();
  strictEqual(await tools.isLeader(), true);
  strictEqual(await tools.isLeader(), true);
  const calls = fake.finish(0).toolCalls.map((call) => call.tool);
  deepStrictEqual(calls, ["config-get", "is-leader"]);
  strictEqual(tools.calls, 2);
});

Deno.test("status-set for unit and application; status-get reads both shapes", async () => {
  const { fake, tools } = setup();
  await tools.statusSet("blocked", "-- a message starting with dashes");
  await tools.statusSet("waiting", "app", true);
  deepStrictEqual(await tools.statusGet(false), {
    status: "blocked",
    message: "-- a message starting with dashes",
  });
  deepStrictEqual(await tools.statusGet(true), { status: "waiting", message: "app" });
  deepStrictEqual(argvOf(fake, "status-set")[0], [
    "--application=False",
    "blocked",
    "--",
    "-- a message starting with dashes",
  ]);
});

Deno.test("non-leaders cannot set application status", async () => {
  const { tools } = setup({ leader: false });
  await failsWith(tools.statusSet("active", "", true), "permission-denied", /not the leader/);
});

Deno.test("juju-log splits messages Juju could not take in one argument", async () => {
  const { fake, tools } = setup();
  await tools.log("INFO", "x".repeat(131071 * 2 + 5));
  await tools.log("WARNING", "");
  const result = fake.finish(0);
  deepStrictEqual(result.logs.map((log) => [log.level, log.message.length]), [
    ["INFO", 131071],
    ["INFO", 131071],
    ["INFO", 5],
  ]);
});

Deno.test("juju-log splits by bytes: no piece of non-ASCII text is over Juju's limit", async () => {
  const { fake, tools } = setup();
  await tools.log("INFO", "é".repeat(100_000));
  const pieces = fake.finish(0).logs.map((log) => log.message);
  strictEqual(pieces.join(""), "é".repeat(100_000), "nothing lost");
  const bytes = pieces.map((piece) => new TextEncoder().encode(piece).length);
  ok(bytes.every((size) => size <= 131071), JSON.stringify(bytes));
});

Deno.test("an action result too large for an argument fails the action, naming it", async () => {
  const { fake, tools } = setup({}, {
    kind: "action",
    name: "get-certificate",
    params: { hostname: "a.example.com" },
  });
  await tools.actionSet({ certificate: "PEM", chain: { first: "x".repeat(200_000) } });
  const result = fake.finish(0);
  deepStrictEqual(argvOf(fake, "action-set"), []);
  strictEqual(result.action?.status, "failed");
  strictEqual(
    result.action?.message,
    "the result chain.first is too large to return (200012 bytes, at most 131071)",
  );
});

Deno.test("control characters never reach status-set, juju-log or action tools raw", async () => {
  const { fake, tools } = setup({}, {
    kind: "action",
    name: "get-certificate",
    params: { hostname: "a.example.com" },
  });
  await tools.statusSet("blocked", "bad\u0000name\u001b[0m");
  await tools.log("WARNING", "log\u0000line\nnext");
  await tools.actionSet({ certificate: "PEM\u0000", chain: { first: "\u0007" } });
  await tools.actionLog("step\u0000");
  await tools.actionFail(`failed ${"\u0000".repeat(200)}`);
  const result = fake.finish(0);
  const argv = result.toolCalls.flatMap((call) => call.args);
  ok(argv.every((arg) => escapeControls(arg) === arg), JSON.stringify(argv));
  deepStrictEqual(await tools.statusGet(false), {
    status: "blocked",
    message: "bad\\u0000name\\u001b[0m",
  });
  deepStrictEqual(result.logs.map((log) => log.message), ["log\\u0000line\nnext"]);
  strictEqual(result.action?.results.certificate, "PEM\\u0000");
  strictEqual(result.action?.message?.length, 500, "action failures are truncated as statuses");
});

Deno.test("status messages longer than 500 characters are truncated", async () => {
  const { tools } = setup();
  await tools.statusSet("blocked", "x".repeat(2000));
  strictEqual((await tools.statusGet(false)).message, `${"x".repeat(497)}...`);
});

Deno.test("no argument can carry a NUL, whatever the tool", async () => {
  const { fake, tools } = setup();
  await tools.stateDelete("key\u0000");
  deepStrictEqual(argvOf(fake, "state-delete")[0], ["--", "key\\u0000"]);
});

Deno.test("actions: params with defaults, nested results as dotted keys, failure", async () => {
  const { fake, tools } = setup({}, {
    kind: "action",
    name: "get-certificate",
    params: { hostname: "a.example.com" },
  });
  deepStrictEqual(await tools.actionGet(), { hostname: "a.example.com" });
  await tools.actionSet({ certificate: "PEM", chain: { first: "1", count: 2 } });
  await tools.actionLog("working");
  await tools.actionFail("Certificate relation not ready.");
  const { action } = fake.finish(0);
  deepStrictEqual(action, {
    status: "failed",
    message: "Certificate relation not ready.",
    results: { certificate: "PEM", chain: { first: "1", count: "2" } },
    logs: ["working"],
  });
});

Deno.test("action tools outside an action fail with Juju's message", async () => {
  const { tools } = setup();
  await failsWith(tools.actionGet(), "other", /^not running an action$/);
});

Deno.test("unit state: null is empty, set and delete are committed with the hook", async () => {
  const { fake, tools } = setup();
  deepStrictEqual(await tools.stateGet(), {});
  await tools.stateSet({ a: "1", b: "two words" });
  await tools.stateDelete("a");
  deepStrictEqual(await tools.stateGet(), { b: "two words" });
  deepStrictEqual(fake.finish(0).state.unitState, { b: "two words" });
});

Deno.test("secrets: content goes through files, never argv; read back, info, ids", async () => {
  const { fake, tools } = setup();
  const uri = await tools.secretAdd({ "private-key": "-----BEGIN KEY-----\nsecret\n" }, {
    label: "key",
  });
  ok(/^secret:\/\/[0-9a-f-]+\/[0-9a-z]{20}$/.test(uri), uri);
  deepStrictEqual(await tools.secretGet({ id: uri }), {
    "private-key": "-----BEGIN KEY-----\nsecret\n",
  });
  deepStrictEqual(await tools.secretGet({ label: "key" }), {
    "private-key": "-----BEGIN KEY-----\nsecret\n",
  });
  const info = await tools.secretInfoGet({ label: "key" });
  strictEqual(info.label, "key");
  strictEqual(info.owner, "application");
  strictEqual(info.revision, 1);
  deepStrictEqual(await tools.secretIds(), [info.id]);
  await tools.secretSet(uri, { "private-key": "rotated" }, { expire: "24h" });
  const result = fake.finish(0);
  const add = result.toolCalls.find((call) => call.tool === "secret-add")!;
  ok(!add.args.join(" ").includes("secret\n"), add.args.join(" "));
  ok(add.args.some((arg) => /^private-key#file=\/.+/.test(arg)), add.args.join(" "));
  const stored = result.state.secrets?.find((secret) => secret.label === "key");
  deepStrictEqual(stored?.revisions.at(-1)?.content, { "private-key": "rotated" });
});

Deno.test("secret failures: not found, and non-leaders cannot add application secrets", async () => {
  const { tools } = setup({ leader: false });
  await failsWith(tools.secretGet({ label: "nope" }), "secret-not-found", /not found/);
  await failsWith(tools.secretAdd({ key: "value" }), "permission-denied", /not the leader/);
});

Deno.test("secret grant and revoke name the relation", async () => {
  const { fake, tools } = setup();
  const uri = await tools.secretAdd({ key: "value" });
  await tools.secretGrant(uri, { endpoint: "gateway", id: 10 });
  await tools.secretRevoke(uri, { endpoint: "gateway", id: 10 });
  deepStrictEqual(argvOf(fake, "secret-grant"), [["--relation", "10", uri]]);
});

Deno.test("network-get and goal-state are parsed", async () => {
  const { tools } = setup({ planned: { units: { "gateway-api-integrator/0": "active" } } });
  const network = await tools.networkGet("gateway");
  ok(network.ingressAddresses.length > 0);
  const goal = await tools.goalState();
  strictEqual(goal.units["gateway-api-integrator/0"]?.status, "active");
});

Deno.test("a tool missing from PATH is a named failure, not a crash", async () => {
  const tools: HookTools = createHookTools({
    run: () =>
      Promise.resolve({
        code: 127,
        stdout: "",
        stderr: 'ERROR hook tool "is-leader" not found on PATH\n',
      }),
  }, OWN);
  await failsWith(tools.isLeader(), "other", /not found on PATH/);
});

Deno.test("output that is not what Juju prints is a named failure", async () => {
  const tools = createHookTools({
    run: () => Promise.resolve({ code: 0, stdout: "yes\n", stderr: "" }),
  }, OWN);
  await failsWith(tools.isLeader(), "other", /invalid JSON/);
  const shaped = createHookTools({
    run: () => Promise.resolve({ code: 0, stdout: '"x"\n', stderr: "" }),
  }, OWN);
  await failsWith(shaped.configGet(), "other", /unexpected output/);
});
