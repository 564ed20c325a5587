/** relation-ids, relation-list, relation-get and relation-set in the in-process fake. */

import assert from "node:assert/strict";
import { fakeJuju, json, relations, tool } from "./juju/fixtures.ts";
import type { HookEvent } from "./juju/state.ts";

const JOINED: HookEvent = {
  kind: "relation",
  name: "joined",
  relationId: 3,
  remoteUnit: "traefik/1",
};
const JUJU_KEYS = (address: string) => ({
  "egress-subnets": `${address}/32`,
  "ingress-address": address,
  "private-address": address,
});

Deno.test("relation-ids: sorted as strings, dying relations still listed", async () => {
  const fake = fakeJuju();
  assert.deepEqual(await json(fake, "relation-ids ingress --format=json"), [
    "ingress:10",
    "ingress:3",
  ]);
  assert.deepEqual(await json(fake, "relation-ids certificates --format=json"), ["certificates:4"]);
  assert.deepEqual(await json(fake, "relation-ids gateway-route --format=json"), []);
});

Deno.test("relation-ids: defaults to the hook's endpoint, else needs a name", async () => {
  assert.deepEqual(await json(fakeJuju({}, JOINED), "relation-ids --format=json"), [
    "ingress:10",
    "ingress:3",
  ]);
  assert.deepEqual(await tool(fakeJuju(), "relation-ids --format=json"), {
    code: 2,
    stdout: "",
    stderr: "ERROR no endpoint name specified\n",
  });
});

Deno.test("relation-list: members sorted; --app gives the remote app as a JSON string", async () => {
  const fake = fakeJuju();
  assert.deepEqual(await json(fake, "relation-list -r 3 --format=json"), [
    "traefik/0",
    "traefik/1",
  ]);
  assert.equal(await json(fake, "relation-list -r 3 --app --format=json"), "traefik");
  assert.equal(await json(fake, "relation-list -r peer:1 --app --format=json"), "gateway");
});

Deno.test("relation-list: empty for a dying relation and during relation-broken", async () => {
  assert.deepEqual(await json(fakeJuju(), "relation-list -r 4 --format=json"), []);
  const broken = fakeJuju({}, { kind: "relation", name: "broken", relationId: 3 });
  assert.deepEqual(await json(broken, "relation-list --format=json"), []);
});

Deno.test("relation-list: the departing unit is no longer a member but stays readable", async () => {
  const rels = relations();
  rels[0].departedUnits = { "traefik/1": { host: "t1" } };
  delete rels[0].remoteUnits!["traefik/1"];
  const fake = fakeJuju({ relations: rels }, {
    kind: "relation",
    name: "departed",
    relationId: 3,
    remoteUnit: "traefik/1",
  });
  assert.deepEqual(await json(fake, "relation-list --format=json"), ["traefik/0"]);
  assert.deepEqual(await json(fake, "relation-get --format=json host traefik/1"), "t1");
});

Deno.test("relation-list: outside a relation hook -r is required", async () => {
  assert.deepEqual(await tool(fakeJuju(), "relation-list --format=json"), {
    code: 2,
    stdout: "",
    stderr: "ERROR no relation id specified\n",
  });
});

Deno.test("relation-get: remote unit data carries Juju's address keys unless given", async () => {
  const fake = fakeJuju();
  assert.deepEqual(await json(fake, "relation-get --format=json -r ingress:3 - traefik/0"), {
    ...JUJU_KEYS("10.1.4.10"),
    host: "t0",
  });
  const rels = relations();
  rels[0].remoteUnits!["traefik/0"] = { "private-address": "192.0.2.1" };
  const given = fakeJuju({ relations: rels });
  const data = await json(given, "relation-get --format=json -r 3 - traefik/0") as Record<
    string,
    string
  >;
  assert.equal(data["private-address"], "192.0.2.1");
});

Deno.test("relation-get: single key gives a JSON string or null", async () => {
  const fake = fakeJuju();
  assert.equal(await json(fake, "relation-get --format=json -r 3 host traefik/0"), "t0");
  assert.equal(await json(fake, "relation-get --format=json -r 3 nope traefik/0"), null);
  assert.equal(await json(fake, "relation-get --format=json -r 3 --app model traefik"), "cos");
});

Deno.test("relation-get: departed units are still readable", async () => {
  assert.equal(await json(fakeJuju(), "relation-get --format=json -r 3 host traefik/7"), "gone");
});

Deno.test("relation-get: defaults to the remote unit, then to the remote app", async () => {
  assert.equal(await json(fakeJuju({}, JOINED), "relation-get --format=json host"), "t1");
  const created = fakeJuju({}, { kind: "relation", name: "created", relationId: 3 });
  assert.deepEqual(await json(created, "relation-get --format=json"), { model: "cos" });
  assert.deepEqual(await tool(fakeJuju(), "relation-get -r 3 --format=json"), {
    code: 2,
    stdout: "",
    stderr: "ERROR no unit or application specified\n",
  });
});

Deno.test("relation-get: own unit and own app (leader) see this hook's pending writes", async () => {
  const fake = fakeJuju();
  assert.equal((await tool(fake, "relation-set -r 3 mine=2 extra=x")).code, 0);
  assert.equal((await tool(fake, "relation-set -r 3 --app url=http://new")).code, 0);
  assert.deepEqual(await json(fake, "relation-get --format=json -r 3 - gateway/0"), {
    ...JUJU_KEYS("10.1.0.10"),
    extra: "x",
    mine: "2",
  });
  assert.deepEqual(await json(fake, "relation-get --format=json -r 3 --app - gateway"), {
    url: "http://new",
  });
  // --app with a unit name reads that unit's application.
  assert.deepEqual(await json(fake, "relation-get --format=json -r 3 --app - gateway/0"), {
    url: "http://new",
  });
});

Deno.test("relation-get: a non-leader may not read its own app databag (non-peer)", async () => {
  const fake = fakeJuju({ leader: false });
  assert.deepEqual(await tool(fake, "relation-get --format=json -r 3 --app - gateway"), {
    code: 1,
    stdout: "",
    stderr: "ERROR permission denied\n",
  });
  // In the peer relation every unit reads the app databag.
  assert.deepEqual(await json(fake, "relation-get --format=json -r 1 --app - gateway"), {
    shared: "s",
  });
  // Everyone reads the remote app databag.
  assert.deepEqual(await json(fake, "relation-get --format=json -r 3 --app - traefik"), {
    model: "cos",
  });
});

Deno.test("relation-get: member validation errors", async () => {
  const fake = fakeJuju();
  for (
    const [line, code, stderr] of [
      [
        "relation-get -r 3 - traefik",
        2,
        'ERROR expected unit name, got application name "traefik"\n',
      ],
      ["relation-get -r 3 - Bad!", 2, 'ERROR invalid unit name "Bad!"\n'],
      ["relation-get -r 3 - traefik/0 b c", 2, 'ERROR unrecognized args: ["b" "c"]\n'],
      [
        "relation-get -r 3 - traefik/5",
        1,
        'ERROR cannot read settings for unit "traefik/5" in relation "ingress:3": unit "traefik/5": settings not found\n',
      ],
    ] as const
  ) {
    assert.deepEqual(await tool(fake, line), { code, stdout: "", stderr }, line);
  }
});

Deno.test("relation-set: --file - reads YAML or JSON from stdin; k=v overrides; '' deletes", async () => {
  const fake = fakeJuju();
  const result = await fake.run(
    "relation-set",
    ["-r", "3", "--file", "-", "b=arg", "mine="],
    '{"a": "1", "b": "file"}',
  );
  assert.deepEqual(result, { code: 0, stdout: "", stderr: "" });
  assert.equal(
    (await fake.run("relation-set", ["-r", "3", "--file=-"], "c: 3\nd: true\ne:\n")).code,
    0,
  );
  assert.deepEqual(await json(fake, "relation-get --format=json -r 3 - gateway/0"), {
    ...JUJU_KEYS("10.1.0.10"),
    a: "1",
    b: "arg",
    c: "3",
    d: "true",
  });
});

Deno.test("relation-set: --file <path> is relative to the caller's cwd", async () => {
  const dir = Deno.makeTempDirSync();
  try {
    Deno.writeTextFileSync(`${dir}/data.yaml`, "from-file: yes-it-is\n");
    const fake = fakeJuju();
    const result = fake.execute("relation-set", ["-r", "3", "--file", "data.yaml"], { cwd: dir });
    assert.deepEqual(result, { code: 0, stdout: "", stderr: "" });
    assert.equal(
      await json(fake, "relation-get --format=json -r 3 from-file gateway/0"),
      "yes-it-is",
    );
    const missing = fake.execute("relation-set", ["-r", "3", "--file", "nope.yaml"], { cwd: dir });
    assert.deepEqual(missing, {
      code: 1,
      stdout: "",
      stderr: `ERROR open ${dir}/nope.yaml: no such file or directory\n`,
    });
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("relation-set: the stdin is only asked for when --file - is read", () => {
  const fake = fakeJuju();
  assert.equal(
    fake.execute("relation-set", ["-r", "3", "--file", "-"]),
    "hook tool requires stdin, none supplied",
  );
  // Argument errors come first, without a stdin round trip.
  assert.deepEqual(fake.execute("relation-set", ["-r", "3", "--file", "-", "oops"]), {
    code: 2,
    stdout: "",
    stderr: 'ERROR expected "key=value", got "oops"\n',
  });
});

Deno.test("relation-set: --app as a non-leader fails; no -r outside a relation hook fails", async () => {
  const fake = fakeJuju({ leader: false });
  assert.deepEqual(await tool(fake, "relation-set -r 3 --app a=b"), {
    code: 1,
    stdout: "",
    stderr: "ERROR cannot write relation settings\n",
  });
  assert.deepEqual(await tool(fake, "relation-set a=b"), {
    code: 2,
    stdout: "",
    stderr: "ERROR no relation id specified\n",
  });
  assert.deepEqual(await tool(fake, "relation-set -r 3 a=b a=c"), {
    code: 2,
    stdout: "",
    stderr: 'ERROR key "a" specified more than once\n',
  });
});

Deno.test("relation-set: --format is deprecated but accepted", async () => {
  assert.deepEqual(await tool(fakeJuju(), "relation-set -r 3 --format json a=b"), {
    code: 0,
    stdout: "",
    stderr: '--format flag deprecated for command "relation-set"',
  });
});

Deno.test("relation-set: defaults to the hook's relation and is committed only on exit 0", async () => {
  const ok = fakeJuju({}, JOINED);
  assert.equal((await tool(ok, "relation-set x=1")).code, 0);
  assert.deepEqual(ok.finish(0).state.relations![0].localUnitData, { mine: "1", x: "1" });

  const failed = fakeJuju({}, JOINED);
  assert.equal((await tool(failed, "relation-set x=1")).code, 0);
  assert.equal((await tool(failed, "relation-set --app y=2")).code, 0);
  const after = failed.finish(1).state.relations![0];
  assert.deepEqual(after.localUnitData, { mine: "1" });
  assert.deepEqual(after.localAppData, { url: "http://old" });
});
