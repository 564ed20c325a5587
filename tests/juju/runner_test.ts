/** The process runner: whole answers of any size on both streams, the exit code, stdin. */
import { deepStrictEqual, strictEqual } from "node:assert/strict";
import { processToolRunner, readAll } from "../../src/juju/runner.ts";

function streamOf(chunks: readonly Uint8Array[]): ReadableStream<Uint8Array> {
  let next = 0;
  return new ReadableStream({
    type: "bytes",
    pull(controller) {
      if (next < chunks.length) {
        controller.enqueue(chunks[next++]);
        return;
      }
      // A byte stream closed under a pending BYOB read must answer that read (with 0 bytes).
      controller.close();
      controller.byobRequest?.respond(0);
    },
  });
}

Deno.test("readAll joins chunks across the buffer's growth, bytes intact", async () => {
  const chunks = [3000, 3000, 5000, 1].map((size, index) =>
    Uint8Array.from({ length: size }, (_, i) => (i * 31 + index) % 256)
  );
  const expected = new Uint8Array(chunks.reduce((sum, chunk) => sum + chunk.length, 0));
  let offset = 0;
  for (const chunk of chunks) {
    expected.set(chunk, offset);
    offset += chunk.length;
  }
  deepStrictEqual(await readAll(streamOf(chunks)), expected);
});

Deno.test("readAll of an empty stream is empty", async () => {
  strictEqual((await readAll(streamOf([]))).length, 0);
});

Deno.test("a tool's large stdout, its stderr and its exit code all arrive whole", async () => {
  // 200,000 bytes: many pipe reads and several doublings of the first 4 KiB buffer.
  const result = await processToolRunner().run("sh", [
    "-c",
    'head -c 200000 /dev/zero | tr "\\0" x; echo oops >&2; exit 3',
  ]);
  strictEqual(result.code, 3);
  strictEqual(result.stdout, "x".repeat(200000));
  strictEqual(result.stderr, "oops\n");
});

Deno.test("stdin is written and closed; a missing tool answers 127", async () => {
  const runner = processToolRunner();
  const echoed = await runner.run("cat", [], "é".repeat(5000));
  strictEqual(echoed.code, 0);
  strictEqual(echoed.stdout, "é".repeat(5000));
  const missing = await runner.run("no-such-hook-tool-here", []);
  strictEqual(missing.code, 127);
});
