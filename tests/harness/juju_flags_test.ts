/** The gnuflag grammar of hook tools, in isolation and through the fake's tools. */

import assert from "node:assert/strict";
import { FlagError, goQuote, parseGnuFlags } from "./juju/flags.ts";
import { fakeJuju, tool } from "./juju/fixtures.ts";

const SPECS = [
  { names: ["r", "relation"], kind: "string" as const },
  { names: ["app"], kind: "bool" as const },
  { names: ["a", "all"], kind: "bool" as const },
  { names: ["format"], kind: "string" as const },
];

Deno.test("gnuflag: flags and positionals may be interspersed", () => {
  const parsed = parseGnuFlags(["key", "-r", "5", "unit/0", "--app", "--format=json"], SPECS);
  assert.deepEqual(parsed.positionals, ["key", "unit/0"]);
  assert.equal(parsed.strings.get("r"), "5");
  assert.equal(parsed.bools.get("app"), true);
  assert.equal(parsed.strings.get("format"), "json");
});

Deno.test("gnuflag: -- ends the flags, - and the empty string are positionals", () => {
  const parsed = parseGnuFlags(["-", "", "--", "--app", "-r"], SPECS);
  assert.deepEqual(parsed.positionals, ["-", "", "--app", "-r"]);
  assert.equal(parsed.bools.get("app"), undefined);
});

Deno.test("gnuflag: long flags take --name value and --name=value; short -r 5 and -r5", () => {
  for (
    const [args, want] of [
      [["--relation", "ingress:5"], "ingress:5"],
      [["--relation=ingress:5"], "ingress:5"],
      [["-r", "7"], "7"],
      [["-r7"], "7"],
      [["-r=5"], "=5"],
      [["--format", "--app"], "--app"],
    ] as const
  ) {
    const parsed = parseGnuFlags(args, SPECS);
    assert.equal(parsed.strings.get("r") ?? parsed.strings.get("format"), want, args.join(" "));
  }
});

Deno.test("gnuflag: bool flags accept Go ParseBool values after =", () => {
  for (
    const [arg, want] of [
      ["--app", true],
      ["--app=true", true],
      ["--app=True", true],
      ["--app=1", true],
      ["--app=t", true],
      ["--app=false", false],
      ["--app=False", false],
      ["--app=0", false],
      ["--app=f", false],
    ] as const
  ) {
    assert.equal(parseGnuFlags([arg], SPECS).bools.get("app"), want, arg);
  }
});

Deno.test("gnuflag: clustered short bool flags", () => {
  const parsed = parseGnuFlags(["-ar", "3"], SPECS);
  assert.equal(parsed.bools.get("a"), true);
  assert.equal(parsed.strings.get("r"), "3");
});

Deno.test("gnuflag: error texts", () => {
  for (
    const [args, message] of [
      [["--foo"], "option provided but not defined: --foo"],
      [["-x"], "option provided but not defined: -x"],
      [["-r"], "option needs an argument: -r"],
      [["--relation"], "option needs an argument: --relation"],
      [
        ["--app=yes"],
        'invalid boolean value "yes" for option --app: strconv.ParseBool: parsing "yes": invalid syntax',
      ],
    ] as const
  ) {
    assert.throws(() => parseGnuFlags(args, SPECS), (err: unknown) => {
      assert.ok(err instanceof FlagError);
      assert.equal(err.message, message);
      return true;
    });
  }
});

Deno.test("goQuote quotes like Go's %q", () => {
  assert.equal(goQuote('a"b\\c\nd\x00é'), '"a\\"b\\\\c\\nd\\x00é"');
});

Deno.test("tools: flag errors print ERROR <msg> and exit 2", async () => {
  const fake = fakeJuju();
  for (
    const [line, stderr] of [
      ["relation-list --foo", "ERROR option provided but not defined: --foo\n"],
      ["relation-list -r", "ERROR option needs an argument: -r\n"],
      [
        "relation-get -r 3 --app=maybe",
        'ERROR invalid boolean value "maybe" for option --app: ' +
        'strconv.ParseBool: parsing "maybe": invalid syntax\n',
      ],
      [
        "config-get --format xml",
        'ERROR invalid value "xml" for option --format: unknown format "xml"\n',
      ],
      ["is-leader extra", 'ERROR unrecognized args: ["extra"]\n'],
    ] as const
  ) {
    const result = await tool(fake, line);
    assert.deepEqual(result, { code: 2, stdout: "", stderr }, line);
  }
});

Deno.test("tools: -r accepts <id> and <endpoint>:<id>, and the -r=<endpoint>:<id> quirk", async () => {
  const fake = fakeJuju();
  for (
    const line of ["relation-list -r 3", "relation-list -r ingress:3", "relation-list -r=ingress:3"]
  ) {
    const result = await tool(fake, `${line} --format=json`);
    assert.deepEqual(result, { code: 0, stdout: '["traefik/0","traefik/1"]\n', stderr: "" }, line);
  }
  assert.equal((await tool(fake, "relation-list --relation=3 --format=json")).code, 0);
});

Deno.test("tools: -r errors are flag errors (exit 2) with Juju's texts", async () => {
  const fake = fakeJuju();
  for (
    const [line, stderr] of [
      ["relation-list -r=3", 'ERROR invalid value "=3" for option -r: invalid relation id\n'],
      [
        "relation-list -r ingress:x",
        'ERROR invalid value "ingress:x" for option -r: invalid relation id\n',
      ],
      [
        "relation-list -r ingress:99",
        'ERROR invalid value "ingress:99" for option -r: relation not found\n',
      ],
      ["relation-list -r 99", 'ERROR invalid value "99" for option -r: relation not found\n'],
      // A prefix naming another endpoint is rejected, like Scenario and newer Juju.
      [
        "relation-list -r peer:3",
        'ERROR invalid value "peer:3" for option -r: relation not found\n',
      ],
      [
        "relation-list --relation peer:3",
        'ERROR invalid value "peer:3" for option --relation: relation not found\n',
      ],
    ] as const
  ) {
    assert.deepEqual(await tool(fake, line), { code: 2, stdout: "", stderr }, line);
  }
});

Deno.test("tools: --help prints usage and exits 0", async () => {
  const result = await tool(fakeJuju(), "relation-get --help");
  assert.equal(result.code, 0);
  assert.match(result.stdout, /^Usage: relation-get /);
});

Deno.test("tools: -o writes the output to a file instead of stdout", async () => {
  const dir = Deno.makeTempDirSync();
  try {
    const fake = fakeJuju();
    const result = await fake.run("is-leader", ["--format=json", "-o", `${dir}/out`]);
    assert.deepEqual(result, { code: 0, stdout: "", stderr: "" });
    assert.equal(Deno.readTextFileSync(`${dir}/out`), "true\n");
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("tools: smart format prints bools as True/False and lists one per line", async () => {
  const fake = fakeJuju();
  assert.equal((await tool(fake, "is-leader")).stdout, "True\n");
  assert.equal((await tool(fake, "relation-list -r 3")).stdout, "traefik/0\ntraefik/1\n");
  assert.equal((await tool(fake, "relation-get -r 3 host traefik/0")).stdout, "t0\n");
});

Deno.test("tools: an unknown tool exits 127", async () => {
  const result = await tool(fakeJuju(), "leader-dance --now");
  assert.deepEqual(result, {
    code: 127,
    stdout: "",
    stderr: 'ERROR unknown command "leader-dance"\n',
  });
});
