/** The hook-tool client (hook-tool.sh) and the tool server, byte for byte. */

import assert from "node:assert/strict";
import type { ToolResult } from "../../src/juju/runner.ts";
import { STDIN_REQUIRED, type ToolInvocation } from "./juju/fake_juju.ts";
import { startToolServer } from "./juju/server.ts";
import { hookToolsDir } from "./runner.ts";

interface Seen {
  tool: string;
  args: readonly string[];
  invocation: ToolInvocation;
}

/** Runs one tool process against a stand-in executor that answers `reply`. */
async function callTool(
  tool: string,
  args: string[],
  reply: (seen: Seen) => ToolResult | typeof STDIN_REQUIRED,
  options: { stdin?: Uint8Array; env?: Record<string, string> } = {},
): Promise<{ code: number; stdout: Uint8Array; stderr: Uint8Array; seen: Seen[] }> {
  const server = startToolServer();
  const seen: Seen[] = [];
  server.register("ctx-1", {
    execute(tool, args, invocation = {}) {
      const call = { tool, args, invocation };
      seen.push(call);
      return reply(call);
    },
  });
  try {
    const child = new Deno.Command(`${hookToolsDir()}/${tool}`, {
      args,
      cwd: "/tmp",
      clearEnv: true,
      env: {
        PATH: "/usr/bin:/bin",
        JUJU_CONTEXT_ID: "ctx-1",
        JUJU_AGENT_SOCKET_ADDRESS: server.address,
        JUJU_AGENT_SOCKET_NETWORK: "tcp",
        ...options.env,
      },
      stdin: options.stdin ? "piped" : "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    if (options.stdin) {
      const writer = child.stdin.getWriter();
      await writer.write(options.stdin);
      await writer.close();
    }
    const out = await child.output();
    return { code: out.code, stdout: out.stdout, stderr: out.stderr, seen };
  } finally {
    await server.close();
  }
}

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

Deno.test("transport: tool name, args and cwd reach the server; code, stdout and stderr come back", async () => {
  const args = ["-r", "5", "", "two\nlines", 'quote\'s "dq"', "é✓🚀", "--", "-x"];
  const result = await callTool(
    "relation-get",
    args,
    () => ({ code: 3, stdout: "out\n", stderr: "err\n" }),
  );
  assert.equal(result.code, 3);
  assert.equal(text(result.stdout), "out\n");
  assert.equal(text(result.stderr), "err\n");
  assert.deepEqual(result.seen, [{
    tool: "relation-get",
    args,
    invocation: { cwd: "/tmp", stdin: undefined },
  }]);
});

Deno.test("transport: stderr followed by small, large and NUL-bearing stdout is split exactly", async () => {
  for (const stdout of ["small", "m".repeat(60_000), "L".repeat(300_000) + "end", "a\0b\0"]) {
    const stderr = "w".repeat(5000) + "\n";
    const result = await callTool("is-leader", [], () => ({ code: 0, stdout, stderr }));
    assert.equal(result.code, 0);
    assert.equal(text(result.stderr), stderr);
    assert.equal(text(result.stdout), stdout, `stdout of ${stdout.length} bytes`);
  }
});

Deno.test("transport: stdin is sent only after the server asks for it, NUL bytes included", async () => {
  const stdin = new Uint8Array([
    ...new TextEncoder().encode("a: b\n"),
    0,
    255,
    ...new Uint8Array(100_000).fill(65),
  ]);
  const result = await callTool(
    "relation-set",
    ["--file", "-"],
    ({ invocation }) =>
      invocation.stdin === undefined ? STDIN_REQUIRED : { code: 0, stdout: "", stderr: "" },
    { stdin },
  );
  assert.equal(result.code, 0, text(result.stderr));
  assert.equal(result.seen.length, 2);
  assert.equal(result.seen[0].invocation.stdin, undefined);
  assert.equal(result.seen[1].invocation.stdin, new TextDecoder().decode(stdin));
});

Deno.test("transport: no stdin is read unless asked", async () => {
  const result = await callTool(
    "relation-set",
    ["a=b"],
    () => ({ code: 0, stdout: "", stderr: "" }),
    {
      stdin: new TextEncoder().encode("never read"),
    },
  );
  assert.equal(result.code, 0);
  assert.equal(result.seen.length, 1);
  assert.equal(result.seen[0].invocation.stdin, undefined);
});

Deno.test("transport: an unknown context id and an unreachable socket fail with ERROR, exit 1", async () => {
  const unknown = await callTool("is-leader", [], () => ({ code: 0, stdout: "", stderr: "" }), {
    env: { JUJU_CONTEXT_ID: "other" },
  });
  assert.equal(unknown.code, 1);
  assert.equal(text(unknown.stderr), 'ERROR bad request: unknown context id "other"\n');
  const closed = await callTool("is-leader", [], () => ({ code: 0, stdout: "", stderr: "" }), {
    env: { JUJU_AGENT_SOCKET_ADDRESS: "127.0.0.1:1" },
  });
  assert.equal(closed.code, 1);
  assert.equal(text(closed.stderr), "ERROR cannot connect to the agent socket 127.0.0.1:1\n");
});
