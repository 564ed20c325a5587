/** The secret-* tools: ownership, leadership, content rules, tracking and commit behaviour. */

import assert from "node:assert/strict";
import { fakeJuju, json, SECRET_A, SECRET_B, tool } from "./juju/fixtures.ts";
import { DEFAULT_MODEL_UUID, type SecretState } from "./juju/state.ts";

function owned(owner: "application" | "unit" = "application"): SecretState {
  return {
    id: SECRET_A,
    owner,
    label: "tls",
    description: "the key",
    revisions: [{ revision: 1, content: { key: "k1" } }, { revision: 2, content: { key: "k2" } }],
    grants: [{ relationId: 3, target: "traefik" }],
  };
}

function consumed(): SecretState {
  return {
    id: SECRET_B,
    owner: null,
    label: "creds",
    revisions: [{ revision: 4, content: { user: "u", pass: "p4" } }, {
      revision: 5,
      content: { user: "u", pass: "p5" },
    }],
    trackedRevision: 4,
  };
}

const URI_A = `secret://${DEFAULT_MODEL_UUID}/${SECRET_A}`;

Deno.test("secret-add: prints secret://<model-uuid>/<20-char id>; readable in the same hook", async () => {
  const fake = fakeJuju();
  const result = await tool(
    fake,
    "secret-add --label db --description hello user=admin pass#base64=czNjcmV0",
  );
  assert.equal(result.code, 0, result.stderr);
  const match = new RegExp(`^secret://${DEFAULT_MODEL_UUID}/([0-9a-v]{20})\n$`).exec(result.stdout);
  assert.ok(match, result.stdout);
  const uri = result.stdout.trim();
  assert.deepEqual(await json(fake, `secret-get --format=json ${uri}`), {
    pass: "s3cret",
    user: "admin",
  });
  assert.deepEqual(await json(fake, "secret-get --format=json --label db"), {
    pass: "s3cret",
    user: "admin",
  });
  // The first positional is always the URI, so a key needs the URI too.
  assert.equal(
    (await tool(fake, "secret-get --label db pass")).stderr,
    'ERROR secret URI "pass" not valid\n',
  );
  assert.deepEqual(await json(fake, "secret-ids --format=json"), [match[1]]);
  const state = fake.finish(0).state;
  assert.deepEqual(state.secrets, [{
    id: match[1],
    owner: "application",
    label: "db",
    description: "hello",
    revisions: [{ revision: 1, content: { user: "admin", pass: "s3cret" } }],
  }]);
});

Deno.test("secret-add: key rules, value and total limits, #file reads an absolute path", async () => {
  const dir = Deno.makeTempDirSync();
  try {
    Deno.writeTextFileSync(`${dir}/cert.pem`, "-----PEM-----\n");
    Deno.writeTextFileSync(`${dir}/big`, "x".repeat(8193));
    const fake = fakeJuju();
    const ok = await fake.run("secret-add", ["--owner", "unit", `cert#file=${dir}/cert.pem`]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.deepEqual(await json(fake, `secret-get --format=json ${ok.stdout.trim()}`), {
      cert: "-----PEM-----\n",
    });

    const eight = "v".repeat(8192);
    const tooMany = Array.from({ length: 9 }, (_, i) => `key${i}=${eight}`);
    for (
      const [args, stderr] of [
        [[], "ERROR missing secret value or filename\n"],
        [["ab=1"], 'ERROR key "ab" not valid\n'],
        [["Key=1"], 'ERROR key "Key" not valid\n'],
        [["novalue"], 'ERROR key value "novalue" not valid\n'],
        [["key="], 'ERROR key value "key=" not valid\n'],
        [[`key=${"v".repeat(8193)}`], 'ERROR secret content for key "key" too large: 8193 bytes\n'],
        [tooMany, "ERROR secret content too large: 73728 bytes\n"],
        [
          [`key#file=${dir}/big`],
          `ERROR secret content in file "${dir}/big" too large: 8193 bytes\n`,
        ],
        [
          [`key#file=${dir}/missing`],
          `ERROR reading content for secret key "key": open ${dir}/missing: no such file or directory\n`,
        ],
        [["--owner", "model", "key=v"], 'ERROR secret owner "model" not valid\n'],
        [["--rotate", "often", "key=v"], 'ERROR rotate policy "often" not valid\n'],
        [["--expire", "soon", "key=v"], 'ERROR expire time or duration "soon" not valid\n'],
      ] as const
    ) {
      assert.deepEqual(
        await fake.run("secret-add", args),
        { code: 2, stdout: "", stderr },
        args.join(" "),
      );
    }
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("secret-add: --expire and --rotate are stored; --owner defaults to application", async () => {
  const fake = fakeJuju();
  await tool(fake, "secret-add --expire 2030-01-02T03:04:05 --rotate monthly key=v");
  await tool(fake, "secret-add --label in-a-day --expire 24h key=v");
  const secrets = fake.finish(0).state.secrets!;
  assert.equal(secrets[0].owner, "application");
  assert.equal(secrets[0].expire, "2030-01-02T03:04:05Z");
  assert.equal(secrets[0].rotate, "monthly");
  assert.match(secrets[1].expire!, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
});

Deno.test("secret-add: a non-leader may add unit-owned secrets only", async () => {
  const fake = fakeJuju({ leader: false });
  assert.deepEqual(await tool(fake, "secret-add key=v"), {
    code: 1,
    stdout: "",
    stderr: "ERROR this unit is not the leader\n",
  });
  assert.equal((await tool(fake, "secret-add --owner unit key=v")).code, 0);
});

Deno.test("secret-add: a duplicate label is refused", async () => {
  const fake = fakeJuju({ secrets: [owned()] });
  assert.deepEqual(await tool(fake, "secret-add --label tls key=v"), {
    code: 1,
    stdout: "",
    stderr: 'ERROR secret with label "tls" already exists\n',
  });
});

Deno.test("secret-get: by id or label, tracked revision, --peek, --refresh, keys", async () => {
  const fake = fakeJuju({ secrets: [consumed()] });
  assert.deepEqual(await json(fake, `secret-get --format=json secret:${SECRET_B}`), {
    pass: "p4",
    user: "u",
  });
  assert.deepEqual(await json(fake, "secret-get --format=json --label creds"), {
    pass: "p4",
    user: "u",
  });
  assert.equal(await json(fake, `secret-get --format=json ${SECRET_B} pass --peek`), "p5");
  assert.equal(await json(fake, `secret-get --format=json ${SECRET_B} pass`), "p4");
  assert.equal(await json(fake, `secret-get --format=json ${SECRET_B} pass --refresh`), "p5");
  assert.equal(await json(fake, `secret-get --format=json ${SECRET_B} pass`), "p5");
  assert.equal(await json(fake, `secret-get --format=json ${SECRET_B} pass#base64`), btoa("p5"));
  // The default format of secret-get is YAML.
  assert.equal((await tool(fake, `secret-get ${SECRET_B}`)).stdout, "pass: p5\nuser: u\n");
  // --refresh is buffered: it sticks only if the hook succeeds.
  const after = fake.finish(0).state.secrets![0];
  assert.equal(after.trackedRevision, 5);
});

Deno.test("secret-get: giving a label with the id sets the label", async () => {
  const fake = fakeJuju({ secrets: [consumed()] });
  assert.equal((await tool(fake, `secret-get --format=json ${SECRET_B} --label renamed`)).code, 0);
  assert.deepEqual(await json(fake, "secret-get --format=json --label renamed"), {
    pass: "p4",
    user: "u",
  });
  assert.equal(fake.finish(0).state.secrets![0].label, "renamed");
});

Deno.test("secret-get: argument errors and not-found texts", async () => {
  const fake = fakeJuju({ secrets: [consumed()] });
  for (
    const [line, code, stderr] of [
      ["secret-get", 2, "ERROR require either a secret URI or label\n"],
      [
        `secret-get ${SECRET_B} --peek --refresh`,
        2,
        "ERROR specify one of --peek or --refresh but not both\n",
      ],
      ["secret-get secret:short", 2, 'ERROR secret URI "secret:short" not valid\n'],
      [`secret-get ${SECRET_B} a b`, 2, 'ERROR unrecognized args: ["b"]\n'],
      [
        `secret-get ${SECRET_B} --format smart`,
        2,
        'ERROR invalid value "smart" for option --format: unknown format "smart"\n',
      ],
      [`secret-get secret:${SECRET_A}`, 1, `ERROR secret "secret:${SECRET_A}" not found\n`],
      ["secret-get --label nope", 1, 'ERROR consumer label "nope" not found\n'],
      [`secret-get ${SECRET_B} nokey`, 1, 'ERROR secret key value "nokey" not found\n'],
    ] as const
  ) {
    assert.deepEqual(await tool(fake, line), { code, stdout: "", stderr }, line);
  }
});

Deno.test("secret-info-get: keyed by bare id; owned secrets only", async () => {
  const fake = fakeJuju({ secrets: [owned(), consumed()] });
  const expected = {
    [SECRET_A]: {
      revision: 2,
      label: "tls",
      owner: "application",
      description: "the key",
      access: [{
        target: "application-traefik",
        scope: "relation-gateway.ingress#traefik.ingress",
        role: "view",
      }],
    },
  };
  assert.deepEqual(await json(fake, `secret-info-get --format=json ${URI_A}`), expected);
  assert.deepEqual(await json(fake, "secret-info-get --format=json --label tls"), expected);
  assert.deepEqual(await tool(fake, `secret-info-get --format=json ${SECRET_B}`), {
    code: 1,
    stdout: "",
    stderr: `ERROR secret "${SECRET_B}" not found\n`,
  });
  assert.deepEqual(await tool(fake, `secret-info-get ${SECRET_A} --label tls`), {
    code: 2,
    stdout: "",
    stderr: "ERROR specify either a secret URI or label but not both\n",
  });
});

Deno.test("secret-info-get/secret-grant: app-owned secrets are 'not found' for a non-leader", async () => {
  const fake = fakeJuju({ leader: false, secrets: [owned()] });
  assert.deepEqual(await tool(fake, `secret-info-get --format=json ${SECRET_A}`), {
    code: 1,
    stdout: "",
    stderr: `ERROR secret "${SECRET_A}" not found\n`,
  });
  assert.deepEqual(await tool(fake, `secret-grant ${SECRET_A} -r 3`), {
    code: 1,
    stdout: "",
    stderr: `ERROR secret "${SECRET_A}" not found\n`,
  });
  // Units of the owner app can still read the content.
  assert.deepEqual(await json(fake, `secret-get --format=json ${SECRET_A}`), { key: "k2" });
  assert.equal((await tool(fake, "secret-ids --format=json")).stdout, "null\n");
});

Deno.test("secret-ids: owned ids, null when none", async () => {
  assert.equal((await tool(fakeJuju(), "secret-ids --format=json")).stdout, "null\n");
  assert.equal(
    (await tool(fakeJuju({ secrets: [consumed()] }), "secret-ids --format=json")).stdout,
    "null\n",
  );
  assert.deepEqual(await json(fakeJuju({ secrets: [owned("unit")] }), "secret-ids --format=json"), [
    SECRET_A,
  ]);
});

Deno.test("secret-set: new revision, metadata, coalesced within the hook, committed on exit 0", async () => {
  const fake = fakeJuju({ secrets: [owned()] });
  assert.equal((await tool(fake, `secret-set ${URI_A} key=k3`)).code, 0);
  assert.equal(
    (await tool(fake, `secret-set ${URI_A} key=k3b --label tls2 --description new`)).code,
    0,
  );
  assert.equal((await tool(fake, `secret-set ${URI_A} --rotate daily`)).code, 0);
  assert.deepEqual(await json(fake, `secret-get --format=json ${SECRET_A} --peek`), { key: "k3b" });
  const after = fake.finish(0).state.secrets![0];
  assert.deepEqual(after.revisions.map((r) => [r.revision, r.content.key]), [[1, "k1"], [2, "k2"], [
    3,
    "k3b",
  ]]);
  assert.equal(after.label, "tls2");
  assert.equal(after.description, "new");
  assert.equal(after.rotate, "daily");
});

Deno.test("secret-set: the same content again makes no revision", async () => {
  const fake = fakeJuju({ secrets: [owned()] });
  await tool(fake, `secret-set ${SECRET_A} key=k2`);
  assert.equal(fake.finish(0).state.secrets![0].revisions.length, 2);
});

Deno.test("secret mutations are dropped when the hook fails", async () => {
  const fake = fakeJuju({ secrets: [owned()] });
  await tool(fake, `secret-set ${SECRET_A} key=k3`);
  await tool(fake, "secret-add other=1");
  await tool(fake, `secret-grant ${SECRET_A} -r 10`);
  assert.deepEqual(fake.finish(1).state.secrets, [owned()]);
});

Deno.test("secret-set/remove/revoke by a non-leader on an app secret: accepted, the commit fails", async () => {
  for (
    const line of [
      `secret-set ${SECRET_A} key=x`,
      `secret-remove ${SECRET_A}`,
      `secret-revoke ${SECRET_A} -r 3`,
    ]
  ) {
    const fake = fakeJuju({ leader: false, secrets: [owned()] });
    assert.deepEqual(await tool(fake, line), { code: 0, stdout: "", stderr: "" }, line);
    await tool(fake, "state-set also=dropped");
    const result = fake.finish(0, "out", "");
    assert.equal(result.exitCode, 1, line);
    assert.match(result.stderr, /committing the hook's changes failed.*permission denied/);
    assert.deepEqual(result.state.secrets, [owned()]);
    assert.equal(result.state.unitState, undefined);
    assert.equal(result.state.unitStatus?.status, "error");
  }
});

Deno.test("secret-set on a consumed secret also fails at commit", async () => {
  const fake = fakeJuju({ secrets: [consumed()] });
  assert.equal((await tool(fake, `secret-set ${SECRET_B} pass=x`)).code, 0);
  assert.equal(fake.finish(0).exitCode, 1);
});

Deno.test("secret-remove: a revision or the whole secret", async () => {
  const one = fakeJuju({ secrets: [owned()] });
  assert.equal((await tool(one, `secret-remove ${SECRET_A} --revision 1`)).code, 0);
  assert.deepEqual(one.finish(0).state.secrets![0].revisions.map((r) => r.revision), [2]);
  const all = fakeJuju({ secrets: [owned()] });
  assert.equal((await tool(all, `secret-remove ${SECRET_A}`)).code, 0);
  assert.deepEqual(all.finish(0).state.secrets, []);
  assert.deepEqual(await tool(fakeJuju(), "secret-remove"), {
    code: 2,
    stdout: "",
    stderr: "ERROR missing secret URI\n",
  });
});

Deno.test("secret-grant: relation required, unit must belong to the remote app", async () => {
  const fake = fakeJuju({ secrets: [owned()] });
  for (
    const [line, code, stderr] of [
      [`secret-grant ${SECRET_A}`, 2, "ERROR no relation id specified\n"],
      [
        `secret-grant ${SECRET_A} -r 3 --unit other/0`,
        2,
        'ERROR cannot specify unit "other/0" in relation to application "traefik"\n',
      ],
      [
        `secret-grant ${SECRET_A} -r 99`,
        2,
        'ERROR invalid value "99" for option -r: relation not found\n',
      ],
    ] as const
  ) {
    assert.deepEqual(await tool(fake, line), { code, stdout: "", stderr }, line);
  }
  assert.equal((await tool(fake, `secret-grant ${SECRET_A} -r 10 --unit other/0`)).code, 0);
  assert.deepEqual(await tool(fake, `secret-grant ${SECRET_A} -r 10`), {
    code: 1,
    stdout: "",
    stderr:
      "ERROR any unit level grants need to be revoked before granting access to the corresponding application\n",
  });
  assert.equal((await tool(fake, `secret-revoke ${SECRET_A} --unit other/0`)).code, 0);
  assert.equal((await tool(fake, `secret-grant ${SECRET_A} -r 10`)).code, 0);
  assert.deepEqual(fake.finish(0).state.secrets![0].grants, [
    { relationId: 3, target: "traefik" },
    { relationId: 10, target: "other" },
  ]);
});

Deno.test("secret-revoke: argument rules", async () => {
  const fake = fakeJuju({ secrets: [owned()] });
  for (
    const [line, stderr] of [
      [`secret-revoke ${SECRET_A}`, "ERROR missing relation or application or unit\n"],
      [
        `secret-revoke ${SECRET_A} -r 3 --app traefik`,
        "ERROR do not specify both relation and app\n",
      ],
      [
        `secret-revoke ${SECRET_A} --app traefik --unit traefik/0`,
        "ERROR specify only one of application or unit\n",
      ],
    ] as const
  ) {
    assert.deepEqual(await tool(fake, line), { code: 2, stdout: "", stderr }, line);
  }
  assert.equal((await tool(fake, `secret-revoke ${SECRET_A} -r 3`)).code, 0);
  assert.equal(fake.finish(0).state.secrets![0].grants, undefined);
});
