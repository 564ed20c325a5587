/**
 * The one place that starts hook-tool processes. Everything else talks to Juju through the typed
 * adapters in `tools.ts`, which take a `ToolRunner` so tests can swap the process for an
 * in-process fake.
 */

/** What a hook tool answered: Juju's exit code and both output streams, as text. */
export interface ToolResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs one hook tool by name with its arguments; `stdin` is written and closed when given. */
export interface ToolRunner {
  run(tool: string, args: readonly string[], stdin?: string): Promise<ToolResult>;
}

const decoder = new TextDecoder();
const encoder = new TextEncoder();

/**
 * Runs hook tools found on `PATH` with the hook's own environment (the tools need
 * `JUJU_CONTEXT_ID` and the agent socket variables, so the environment is inherited untouched).
 */
export function processToolRunner(): ToolRunner {
  return {
    async run(tool, args, stdin) {
      let child: Deno.ChildProcess;
      try {
        child = new Deno.Command(tool, {
          args: [...args],
          stdin: stdin === undefined ? "null" : "piped",
          stdout: "piped",
          stderr: "piped",
        }).spawn();
      } catch (error) {
        if (!(error instanceof Deno.errors.NotFound)) throw error;
        return { code: 127, stdout: "", stderr: `ERROR hook tool "${tool}" not found on PATH\n` };
      }
      if (stdin !== undefined) {
        const writer = child.stdin.getWriter();
        try {
          await writer.write(encoder.encode(stdin));
          await writer.close();
        } catch {
          // Juju's tools read stdin only when the command wants it: a tool that fails its
          // argument check first closes the pipe, and its exit code and message tell why.
        }
      }
      const out = await child.output();
      return {
        code: out.code,
        stdout: decoder.decode(out.stdout),
        stderr: decoder.decode(out.stderr),
      };
    },
  };
}
