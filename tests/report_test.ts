/** The report step's log lines: one `juju-log` each, up to a bound; past it, one per level. */
import { deepStrictEqual, strictEqual } from "node:assert/strict";
import { logCalls, MAX_LOG_CHARS, MAX_LOG_LINES } from "../src/report/report.ts";
import type { LogLine } from "../src/outcome.ts";

const line = (level: LogLine["level"], n: number): LogLine => ({ level, message: `line ${n}` });

Deno.test("up to the bound, every log line is its own juju-log call", () => {
  const lines = Array.from({ length: MAX_LOG_LINES }, (_, i) => line("WARNING", i));
  deepStrictEqual(logCalls(lines), lines);
});

Deno.test("past the bound, the rest go as one line per level, none lost", () => {
  const lines = [
    ...Array.from({ length: 3000 }, (_, i) => line("WARNING", i)),
    line("ERROR", 3000),
    line("WARNING", 3001),
  ];
  const calls = logCalls(lines);
  // 18 one by one, then one line for each of the rest's two levels: 20 in all.
  strictEqual(calls.length, MAX_LOG_LINES);
  deepStrictEqual(calls.slice(0, MAX_LOG_LINES - 2), lines.slice(0, MAX_LOG_LINES - 2));
  const [warnings, errors] = calls.slice(MAX_LOG_LINES - 2);
  strictEqual(warnings.level, "WARNING");
  strictEqual(
    warnings.message.startsWith(`${3000 - MAX_LOG_LINES + 3} more: line 18 | line 19`),
    true,
  );
  strictEqual(warnings.message.endsWith("line 2999 | line 3001"), true);
  strictEqual(warnings.message.length <= MAX_LOG_CHARS, true);
  deepStrictEqual(errors, { level: "ERROR", message: "1 more: line 3000" });
});

Deno.test("a line longer than one juju-log argument holds is cut, saying how much", () => {
  const [line] = logCalls([{ level: "WARNING", message: "é".repeat(200_000) }]);
  strictEqual(line.message.length <= MAX_LOG_CHARS, true);
  strictEqual(line.message.endsWith("... (160040 characters more)"), true, line.message.slice(-40));
});

Deno.test("past the bound with every level in the rest: still at most the bound in all", () => {
  const levels = ["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] as const;
  const lines = Array.from({ length: 40 }, (_, i) => line(levels[i % 5], i));
  const calls = logCalls(lines);
  strictEqual(calls.length, MAX_LOG_LINES);
  const counted = calls.slice(MAX_LOG_LINES - 5).reduce(
    (sum, call) => sum + Number(call.message.split(" ")[0]),
    0,
  );
  strictEqual(counted + MAX_LOG_LINES - 5, 40, "none lost");
});
