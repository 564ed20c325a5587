/** Black-box runs of small bash dispatch scripts through runHook and the process transport. */

import assert from "node:assert/strict";
import { charmFilePath, hookToolsDir, runHook, unpackCharm } from "./runner.ts";
import type { HookEvent, JujuState } from "./juju/state.ts";
import { PYTHON_ZIP_BASE64 } from "./juju/fixtures.ts";

const METADATA = `name: demo
provides:
  ingress:
    interface: ingress
peers:
  peer:
    interface: demo_peer
`;
const CONFIG = `options:
  ratio:
    type: float
    default: 1.0
`;
const ACTIONS = `get-certificate:
  params:
    hostname:
      type: string
  required: [hostname]
`;

const STATE: JujuState = {
  leader: true,
  relations: [
    {
      id: 5,
      endpoint: "ingress",
      remoteApp: "traefik",
      remoteUnits: { "traefik/0": { host: "t0" } },
      localUnitData: { before: "yes" },
      localAppData: { url: "old" },
    },
    { id: 1, endpoint: "peer", remoteApp: "demo" },
  ],
};
const START: HookEvent = { kind: "hook", name: "start" };

/** Writes a charm whose dispatch is the given bash body, runs `fn`, removes the charm. */
async function withCharm(body: string, fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = Deno.makeTempDirSync({ prefix: "fake-juju-test-charm-" });
  try {
    Deno.writeTextFileSync(`${dir}/metadata.yaml`, METADATA);
    Deno.writeTextFileSync(`${dir}/config.yaml`, CONFIG);
    Deno.writeTextFileSync(`${dir}/actions.yaml`, ACTIONS);
    Deno.writeTextFileSync(`${dir}/dispatch`, `#!/bin/bash\nset -u\n${body}\n`);
    Deno.chmodSync(`${dir}/dispatch`, 0o755);
    await fn(dir);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
}

Deno.test("runHook: relation-set then exit 1 leaves the databag unchanged", async () => {
  await withCharm(
    "relation-set -r 5 after=yes && relation-set -r 5 --app url=new && exit 1",
    async (dir) => {
      const result = await runHook(dir, STATE, START);
      assert.equal(result.exitCode, 1);
      assert.deepEqual(result.state.relations![0].localUnitData, { before: "yes" });
      assert.deepEqual(result.state.relations![0].localAppData, { url: "old" });
      assert.deepEqual(result.toolCalls.map((c) => [c.tool, c.code]), [["relation-set", 0], [
        "relation-set",
        0,
      ]]);
    },
  );
});

Deno.test("runHook: relation-set then exit 0 commits", async () => {
  await withCharm("relation-set -r 5 after=yes before=", async (dir) => {
    const result = await runHook(dir, STATE, START);
    assert.equal(result.exitCode, 0, result.stderr);
    assert.deepEqual(result.state.relations![0].localUnitData, { after: "yes" });
  });
});

Deno.test("runHook: a non-leader reading its own app databag gets permission denied", async () => {
  const body = `relation-get -r 5 --app --format=json - demo; echo "exit=$?"`;
  await withCharm(body, async (dir) => {
    const result = await runHook(dir, { ...STATE, leader: false }, START);
    assert.equal(result.stdout, "exit=1\n");
    assert.equal(result.stderr, "ERROR permission denied\n");
  });
});

Deno.test("runHook: -r as two arguments, in a relation hook with Juju's variables", async () => {
  const body = `echo "$JUJU_RELATION $JUJU_RELATION_ID $JUJU_REMOTE_APP [$JUJU_REMOTE_UNIT]"
relation-list -r ingress:5 --format=json
relation-get --format=json host
relation-ids --format=json`;
  await withCharm(body, async (dir) => {
    const event: HookEvent = {
      kind: "relation",
      name: "changed",
      relationId: 5,
      remoteUnit: "traefik/0",
    };
    const result = await runHook(dir, STATE, event);
    assert.equal(result.exitCode, 0, result.stderr);
    assert.equal(
      result.stdout,
      'ingress ingress:5 traefik [traefik/0]\n["traefik/0"]\n"t0"\n["ingress:5"]\n',
    );
  });
});

Deno.test("runHook: a fresh environment like Juju's: no HOME/USER/SHELL, no args, cwd, stdin", async () => {
  const body = `echo "args=$# argv0=$0 cwd=$PWD"
# bash sets SHELL for itself; the exported environment is what counts.
env | grep -E '^(HOME|USER|SHELL|LOGNAME)=' || echo "no home, user or shell"
echo "dispatch=$JUJU_DISPATCH_PATH hook=$JUJU_HOOK_NAME unit=$JUJU_UNIT_NAME model=$JUJU_MODEL_NAME"
echo "version=$JUJU_VERSION lang=$LANG term=$TERM extra=$EXTRA"
echo "network=$JUJU_AGENT_SOCKET_NETWORK machine=[$JUJU_MACHINE_ID] proxy=[$JUJU_CHARM_HTTP_PROXY]"
[[ $CHARM_DIR == "$JUJU_CHARM_DIR" && $JUJU_CHARM_DIR == "$PWD" ]] && echo "charm-dir ok"
[[ $PATH == */fake-juju-tools-*:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin ]] && echo "path ok"
cat; echo "stdin read"`;
  await withCharm(body, async (dir) => {
    const result = await runHook(dir, STATE, START, { env: { EXTRA: "x" } });
    assert.equal(
      result.stdout,
      `args=0 argv0=${dir}/dispatch cwd=${dir}\n` +
        "no home, user or shell\n" +
        "dispatch=hooks/start hook=start unit=demo/0 model=testing\n" +
        "version=3.6.4 lang=C.UTF-8 term=tmux-256color extra=x\n" +
        "network=tcp machine=[] proxy=[]\n" +
        "charm-dir ok\npath ok\nstdin read\n",
    );
  });
});

Deno.test("runHook: relation-set --file - sends stdin when the server asks for it", async () => {
  const body = `printf '{"json": "yes", "n": 1}' | relation-set -r 5 --file -
printf 'yaml: |\\n  multi\\n  line\\n' | relation-set -r 5 --file=- extra=arg
relation-get -r 5 --format=json - demo/0
state-set --file - <<'EOF'
key: from heredoc
EOF
state-get --format=json key`;
  await withCharm(body, async (dir) => {
    const result = await runHook(dir, STATE, START);
    assert.equal(result.exitCode, 0, result.stderr);
    const [bag, state] = result.stdout.trim().split("\n").map((l) => JSON.parse(l));
    assert.equal(bag.json, "yes");
    assert.equal(bag.n, "1");
    assert.equal(bag.yaml, "multi\nline\n");
    assert.equal(bag.extra, "arg");
    assert.equal(state, "from heredoc");
    assert.deepEqual(result.toolCalls[0], {
      tool: "relation-set",
      args: ["-r", "5", "--file", "-"],
      code: 0,
      stdin: '{"json": "yes", "n": 1}',
    });
    assert.deepEqual(result.state.unitState, { key: "from heredoc" });
  });
});

Deno.test("runHook: arguments with newlines, quotes, spaces and unicode arrive intact", async () => {
  const value = "line one\nline 'two' \"three\" $HOME `x` \\ é ✓ 🚀\ttab";
  const body = `relation-set -r 5 "k=$VALUE" && relation-get -r 5 --format=json k demo/0
juju-log -- "$VALUE"`;
  await withCharm(body, async (dir) => {
    const result = await runHook(dir, STATE, START, { env: { VALUE: value } });
    assert.equal(result.exitCode, 0, result.stderr);
    assert.equal(JSON.parse(result.stdout), value);
    assert.deepEqual(result.logs, [{ level: "INFO", message: value }]);
    assert.deepEqual(result.toolCalls[0].args, ["-r", "5", `k=${value}`]);
  });
});

Deno.test("runHook: hundreds of KB of stdout, stdin and stderr pass through intact", async () => {
  const big = "0123456789abcdef".repeat(24 * 1024); // 384 KiB
  const body = `head -c 400000 /dev/zero | tr '\\0' 'x' > "$TMP_FILE"
relation-set -r 5 --file - < "$TMP_FILE.yaml"
relation-get -r 5 big demo/0 | wc -c
relation-get -r 5 --format=json - demo/0 | wc -c
relation-get -r 5 nope traefik/0 --bogus-flag-${"y".repeat(100000)} 2>&1 >/dev/null | wc -c`;
  const tmp = Deno.makeTempFileSync();
  try {
    Deno.writeTextFileSync(`${tmp}.yaml`, `big: ${big}\n`);
    await withCharm(body, async (dir) => {
      const result = await runHook(dir, STATE, START, { env: { TMP_FILE: tmp } });
      assert.equal(result.exitCode, 0, result.stderr.slice(0, 500));
      const [raw, asJson, stderrBytes] = result.stdout.trim().split("\n").map((l) =>
        Number(l.trim())
      );
      assert.equal(raw, big.length + 1);
      assert.ok(asJson > big.length, String(asJson));
      assert.equal(
        stderrBytes,
        "ERROR option provided but not defined: --bogus-flag-\n".length + 100000,
      );
    });
  } finally {
    Deno.removeSync(tmp);
    Deno.removeSync(`${tmp}.yaml`);
  }
});

Deno.test("runHook: output with NUL bytes is relayed byte for byte", async () => {
  const body = `printf 'v: "a\\\\0b"\\n' | relation-set -r 5 --file -
relation-get -r 5 v demo/0 | od -An -c | tr -s ' '`;
  await withCharm(body, async (dir) => {
    const result = await runHook(dir, STATE, START);
    assert.equal(result.exitCode, 0, result.stderr);
    assert.equal(result.stdout.trim(), "a \\0 b \\n");
  });
});

Deno.test("runHook: concurrent tool calls from one hook are all served", async () => {
  const body =
    `for i in $(seq 1 12); do relation-get -r 5 --format=json host traefik/0 & done; wait`;
  await withCharm(body, async (dir) => {
    const result = await runHook(dir, STATE, START);
    assert.equal(result.stdout, '"t0"\n'.repeat(12));
    assert.equal(result.toolCalls.length, 12);
  });
});

Deno.test("runHook: tool errors keep Juju's exit codes and stderr", async () => {
  const body = `status-set bogus; echo "a=$?"
relation-list -r 99; echo "b=$?"
action-get; echo "c=$?"
status-set active "all good"`;
  await withCharm(body, async (dir) => {
    const result = await runHook(dir, STATE, START);
    assert.equal(result.stdout, "a=2\nb=2\nc=1\n");
    assert.equal(
      result.stderr,
      'ERROR invalid status "bogus", expected one of [maintenance blocked waiting active]\n' +
        'ERROR invalid value "99" for option -r: relation not found\n' +
        "ERROR not running an action\n",
    );
    assert.deepEqual(result.state.unitStatus, { status: "active", message: "all good" });
  });
});

Deno.test("runHook: an action with results, logs and failure", async () => {
  const body = `[[ -z $JUJU_HOOK_NAME && $JUJU_DISPATCH_PATH == actions/get-certificate ]] || exit 9
host=$(action-get hostname)
action-log "looking up $host"
action-set certificate.pem="PEM for $host" ca=none
action-fail "not yet"`;
  await withCharm(body, async (dir) => {
    const event: HookEvent = {
      kind: "action",
      name: "get-certificate",
      params: { hostname: "a.example" },
      id: "42",
    };
    const result = await runHook(dir, STATE, event);
    assert.equal(result.exitCode, 0, result.stderr);
    assert.deepEqual(result.action, {
      status: "failed",
      message: "not yet",
      results: { certificate: { pem: "PEM for a.example" }, ca: "none" },
      logs: ["looking up a.example"],
    });
  });
});

Deno.test("runHook: secrets through the process transport, #file= with an absolute path", async () => {
  const body = `printf 'c3' > "$SECRET_FILE"
uri=$(secret-add --label cfg user=admin "pass#file=$SECRET_FILE")
secret-get "$uri" --format=json
secret-info-get --label cfg --format=json | grep -q '"revision":1' && echo info-ok`;
  const file = Deno.makeTempFileSync();
  try {
    await withCharm(body, async (dir) => {
      const result = await runHook(dir, STATE, START, { env: { SECRET_FILE: file } });
      assert.equal(result.exitCode, 0, result.stderr);
      assert.equal(result.stdout, '{"pass":"c3","user":"admin"}\ninfo-ok\n');
      assert.equal(result.state.secrets?.[0].label, "cfg");
    });
  } finally {
    Deno.removeSync(file);
  }
});

Deno.test("runHook: a non-leader's app-secret update fails the hook at commit", async () => {
  const secret = {
    id: "cs1a2b3c4d5e6f7g8h9i",
    owner: "application" as const,
    revisions: [{ revision: 1, content: { key: "b" } }],
  };
  await withCharm(
    "secret-set secret:cs1a2b3c4d5e6f7g8h9i key=c && relation-set -r 5 x=y",
    async (dir) => {
      const result = await runHook(dir, { ...STATE, leader: false, secrets: [secret] }, START);
      assert.equal(result.exitCode, 1);
      assert.match(result.stderr, /committing the hook's changes failed/);
      assert.deepEqual(result.state.secrets, [secret]);
      assert.deepEqual(result.state.relations![0].localUnitData, { before: "yes" });
    },
  );
});

Deno.test("runHook: inconsistent scenarios are rejected before anything runs", async () => {
  await withCharm("touch ran", async (dir) => {
    await assert.rejects(
      runHook(dir, STATE, { kind: "relation", name: "changed", relationId: 77 }),
      /relation id 77, which is not in the state/,
    );
    assert.throws(() => Deno.statSync(`${dir}/ran`), Deno.errors.NotFound);
  });
});

Deno.test("runHook: a hook that runs too long is killed and counts as failed", async () => {
  await withCharm("exec sleep 30", async (dir) => {
    const result = await runHook(dir, STATE, START, { timeoutMs: 200 });
    assert.notEqual(result.exitCode, 0);
    assert.match(result.stderr, /killed after 200 ms/);
  });
});

Deno.test("runHook: on timeout the whole process tree is killed, also under /usr/bin/time", async () => {
  await withCharm("sleep 30; echo never", async (dir) => {
    const result = await runHook(dir, STATE, START, { timeoutMs: 200, measureMemory: true });
    assert.notEqual(result.exitCode, 0);
    assert.equal(result.stdout, "");
  });
});

Deno.test("runHook: a missing or non-executable dispatch is reported clearly", async () => {
  await withCharm("exit 0", async (dir) => {
    Deno.chmodSync(`${dir}/dispatch`, 0o644);
    await assert.rejects(runHook(dir, STATE, START), /dispatch is not an executable file/);
    Deno.removeSync(`${dir}/dispatch`);
    await assert.rejects(runHook(dir, STATE, START), Deno.errors.NotFound);
  });
});

Deno.test("runHook: measureMemory reports the peak RSS when /usr/bin/time exists", async () => {
  await withCharm("config-get --format=json", async (dir) => {
    const result = await runHook(dir, STATE, START, { measureMemory: true });
    assert.equal(result.stdout, '{"ratio":1}\n');
    let hasTime = true;
    try {
      Deno.statSync("/usr/bin/time");
    } catch {
      hasTime = false;
    }
    if (hasTime) assert.ok((result.peakRssKb ?? 0) > 0, String(result.peakRssKb));
    else assert.equal(result.peakRssKb, undefined);
  });
});

Deno.test("hook tools: without JUJU_CONTEXT_ID the client fails like jujuc", async () => {
  const out = await new Deno.Command(`${hookToolsDir()}/is-leader`, {
    clearEnv: true,
    env: { PATH: "/usr/bin:/bin" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(out.code, 1);
  assert.equal(new TextDecoder().decode(out.stderr), "ERROR JUJU_CONTEXT_ID not set\n");
});

Deno.test("unpackCharm: a missing .charm file explains how to build it", async () => {
  await assert.rejects(
    unpackCharm("/nonexistent/x.charm"),
    (err: Error) =>
      err.message === 'packed charm not found at /nonexistent/x.charm: run "deno task pack" first',
  );
  const previous = Deno.env.get("CHARM_FILE");
  try {
    Deno.env.delete("CHARM_FILE");
    assert.match(charmFilePath(), /\/gateway-api-integrator_amd64\.charm$/);
    Deno.env.set("CHARM_FILE", "/some/other.charm");
    assert.equal(charmFilePath(), "/some/other.charm");
  } finally {
    if (previous === undefined) Deno.env.delete("CHARM_FILE");
    else Deno.env.set("CHARM_FILE", previous);
  }
});

Deno.test("unpackCharm + runHook: a charmcraft-style .charm runs with its dispatch executable", async () => {
  const file = Deno.makeTempFileSync({ suffix: ".charm" });
  try {
    Deno.writeFileSync(file, Uint8Array.from(atob(PYTHON_ZIP_BASE64), (c) => c.charCodeAt(0)));
    const dir = await unpackCharm(file);
    assert.equal(Deno.statSync(`${dir}/dispatch`).mode! & 0o777, 0o755);
    const result = await runHook(dir, { leader: true }, START);
    assert.equal(result.exitCode, 0, result.stderr);
    assert.equal(result.stdout, "hello from dispatch\n".repeat(3));
    Deno.removeSync(dir, { recursive: true });
  } finally {
    Deno.removeSync(file);
  }
});
