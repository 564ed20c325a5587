/** Text for hook tools: control characters escaped, long messages truncated. */
import { strictEqual } from "node:assert/strict";
import { escapeControls, toolMessage, truncateText } from "../../src/juju/text.ts";

const ESCAPES: [string, string, string][] = [
  ["NUL", "a\u0000b", "a\\u0000b"],
  ["escape and bell", "\u001b[31mred\u0007", "\\u001b[31mred\\u0007"],
  ["carriage return and vertical tab", "a\rb\u000bc", "a\\u000db\\u000bc"],
  ["DEL and C1", "x\u007f\u0085\u009f", "x\\u007f\\u0085\\u009f"],
  ["newline and tab stay", "a\nb\tc", "a\nb\tc"],
  ["unicode stays", "héllo — ünïcode ✓ 日本 🙂", "héllo — ünïcode ✓ 日本 🙂"],
  ["bidirectional override and isolate", "a\u202eb\u2066c", "a\\u202eb\\u2066c"],
  ["zero-width and byte-order mark", "a\u200bb\ufeffc\u00ad", "a\\u200bb\\ufeffc\\u00ad"],
  ["line and paragraph separators", "a\u2028b\u2029c", "a\\u2028b\\u2029c"],
  ["plain text unchanged", "Waiting for gateway address", "Waiting for gateway address"],
];
for (const [name, input, expected] of ESCAPES) {
  Deno.test(`escapeControls: ${name}`, () => {
    strictEqual(escapeControls(input), expected);
    strictEqual(escapeControls(expected), expected, "escaping is idempotent");
  });
}

Deno.test("truncateText keeps short text and cuts long text to the limit with ...", () => {
  strictEqual(truncateText("abc", 3), "abc");
  strictEqual(truncateText("abcd", 3), "...");
  strictEqual(truncateText("x".repeat(600), 500), `${"x".repeat(497)}...`);
});

Deno.test("toolMessage escapes first, then truncates to 500", () => {
  const message = toolMessage("\u0000".repeat(100));
  strictEqual(message.length, 500);
  strictEqual(message, `${"\\u0000".repeat(82)}\\u000...`);
  strictEqual(toolMessage("ok\u0000"), "ok\\u0000");
});
