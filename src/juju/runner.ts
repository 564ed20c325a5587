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

/** Hook tools answer in a few hundred bytes; a larger answer doubles the buffer as it comes. */
const FIRST_READ_BYTES = 4096;

/**
 * Reads a child's output stream to its end into one buffer grown as needed, instead of
 * `child.output()`, which reads each of the two streams into buffers of 64 KiB: for a hook's
 * 16 to 50 calls, most of them in flight together, that is megabytes of peak memory.
 */
export async function readAll(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  const reader = stream.getReader({ mode: "byob" });
  let buffer = new Uint8Array(FIRST_READ_BYTES);
  let length = 0;
  try {
    for (;;) {
      if (length === buffer.length) {
        const larger = new Uint8Array(buffer.length * 2);
        larger.set(buffer);
        buffer = larger;
      }
      const { value, done } = await reader.read(buffer.subarray(length));
      // A read transfers the buffer it is given: what comes back is a view of its new self.
      if (value) buffer = new Uint8Array(value.buffer);
      if (done || !value) break;
      length += value.byteLength;
    }
  } finally {
    reader.releaseLock();
  }
  return buffer.subarray(0, length);
}

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
      const [stdout, stderr, status] = await Promise.all([
        readAll(child.stdout),
        readAll(child.stderr),
        child.status,
      ]);
      return { code: status.code, stdout: decoder.decode(stdout), stderr: decoder.decode(stderr) };
    },
  };
}
