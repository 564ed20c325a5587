/**
 * The fake agent socket: a TCP server on 127.0.0.1 that answers the hook-tool clients
 * (hook-tool.sh) by handing each request to the FakeJuju registered under its context id.
 */

import { type FakeJuju, STDIN_REQUIRED } from "./fake_juju.ts";

/** What the server needs from a hook context (FakeJuju, or a stand-in in transport tests). */
export type ToolExecutor = Pick<FakeJuju, "execute">;

/** A running tool server. */
export interface ToolServer {
  /** `127.0.0.1:<port>`, for `JUJU_AGENT_SOCKET_ADDRESS`. */
  readonly address: string;
  /** Serves `fake` under `contextId` until unregistered. */
  register(contextId: string, fake: ToolExecutor): void;
  unregister(contextId: string): void;
  /** Stops listening and waits for the requests being served. */
  close(): Promise<void>;
}

interface Request {
  contextId: string;
  tool: string;
  cwd: string;
  stdinFile: string;
  args: string[];
}

const MAGIC = "jujuc1";
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Parses a complete request, or returns undefined if more bytes are needed. */
function parseRequest(bytes: Uint8Array): Request | undefined {
  const fields: string[] = [];
  let start = 0;
  let wanted = 6;
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] !== 0) continue;
    fields.push(decoder.decode(bytes.subarray(start, i)));
    start = i + 1;
    if (fields.length === 6) {
      const argc = Number(fields[5]);
      if (fields[0] !== MAGIC || !Number.isInteger(argc) || argc < 0) {
        throw new Error("malformed hook tool request");
      }
      wanted = 6 + argc;
    }
    if (fields.length === wanted) {
      const [, contextId, tool, cwd, stdinFile] = fields;
      return { contextId, tool, cwd, stdinFile, args: fields.slice(6) };
    }
  }
  return undefined;
}

function answer(code: number, stdout: string, stderr: string): Uint8Array {
  const out = encoder.encode(stdout);
  const err = encoder.encode(stderr);
  // bash variables cannot hold NUL bytes: the client copies such output with cat instead.
  const binary = out.includes(0) ? 1 : 0;
  const header = encoder.encode(`${code} ${err.length} ${out.length} ${binary}\n`);
  const bytes = new Uint8Array(header.length + err.length + out.length);
  bytes.set(header, 0);
  bytes.set(err, header.length);
  bytes.set(out, header.length + err.length);
  return bytes;
}

async function writeAll(conn: Deno.Conn, bytes: Uint8Array): Promise<void> {
  let written = 0;
  while (written < bytes.length) written += await conn.write(bytes.subarray(written));
}

/** Starts a tool server on a random port of 127.0.0.1. */
export function startToolServer(): ToolServer {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0, transport: "tcp" });
  const fakes = new Map<string, ToolExecutor>();
  const inFlight = new Set<Promise<void>>();

  const serve = async (conn: Deno.Conn): Promise<void> => {
    try {
      const chunks: Uint8Array[] = [];
      let size = 0;
      let request: Request | undefined;
      const buffer = new Uint8Array(64 * 1024);
      while (request === undefined) {
        const n = await conn.read(buffer);
        if (n === null) return;
        chunks.push(buffer.slice(0, n));
        size += n;
        const all = new Uint8Array(size);
        let offset = 0;
        for (const chunk of chunks) {
          all.set(chunk, offset);
          offset += chunk.length;
        }
        request = parseRequest(all);
      }
      const fake = fakes.get(request.contextId);
      if (!fake) {
        await writeAll(
          conn,
          answer(1, "", `ERROR bad request: unknown context id "${request.contextId}"\n`),
        );
        return;
      }
      let stdin: string | undefined;
      if (request.stdinFile !== "") {
        stdin = decoder.decode(await Deno.readFile(request.stdinFile));
        await Deno.remove(request.stdinFile).catch(() => {});
      }
      const result = fake.execute(request.tool, request.args, { cwd: request.cwd, stdin });
      if (result === STDIN_REQUIRED) {
        await writeAll(conn, encoder.encode("stdin\n"));
        return;
      }
      await writeAll(conn, answer(result.code, result.stdout, result.stderr));
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      await writeAll(conn, answer(1, "", `ERROR ${message}\n`)).catch(() => {});
    } finally {
      try {
        conn.close();
      } catch {
        // Already closed by the peer.
      }
    }
  };

  const accepting = (async () => {
    try {
      for await (const conn of listener) {
        const task = serve(conn);
        inFlight.add(task);
        task.finally(() => inFlight.delete(task));
      }
    } catch (err) {
      if (!(err instanceof Deno.errors.BadResource)) throw err;
    }
  })();

  const addr = listener.addr as Deno.NetAddr;
  return {
    address: `${addr.hostname}:${addr.port}`,
    register(contextId, fake) {
      fakes.set(contextId, fake);
    },
    unregister(contextId) {
      fakes.delete(contextId);
    },
    async close() {
      listener.close();
      await accepting;
      await Promise.all([...inFlight]);
    },
  };
}
