/**
 * Runs the whole test suite with Deno's test runner and closes with one plain
 * `N passed, N failed` line (counted from the JUnit report), which CI tooling reads.
 * Extra arguments are passed to `deno test` (for example a filter).
 */
const ROOT = new URL("..", import.meta.url).pathname;
const REPORT = `${ROOT}.test-results/junit.xml`;

await Deno.mkdir(`${ROOT}.test-results`, { recursive: true });
// A report left by an earlier run must not be counted when this one writes none.
await Deno.remove(REPORT).catch(() => {});
const status = await new Deno.Command(Deno.execPath(), {
  args: ["test", "--allow-all", "--parallel", `--junit-path=${REPORT}`, ...Deno.args, "tests/"],
  cwd: ROOT,
  stdin: "null",
  stdout: "inherit",
  stderr: "inherit",
}).output();

let summary = "no test report was written";
try {
  const xml = await Deno.readTextFile(REPORT);
  // Each <testcase> is either self-closing (passed) or carries <failure>, <error> (cancelled,
  // when an error outside any test stopped its module) or <skipped> inside.
  const bodies = xml.split("<testcase ").slice(1).map((chunk) => {
    const header = chunk.slice(0, chunk.indexOf(">"));
    return header.endsWith("/") ? "" : chunk.slice(0, chunk.indexOf("</testcase>"));
  });
  const cases = bodies;
  const failed = bodies.filter((body) => body.includes("<failure"));
  const cancelled = bodies.filter((body) => body.includes("<error"));
  const skipped = bodies.filter((body) => body.includes("<skipped"));
  const passed = cases.length - failed.length - cancelled.length - skipped.length;
  summary = `${passed} passed, ${failed.length} failed` +
    (cancelled.length ? `, ${cancelled.length} cancelled` : "") +
    (skipped.length ? `, ${skipped.length} skipped` : "");
} catch (error) {
  summary += `: ${error instanceof Error ? error.message : String(error)}`;
}
if (status.code !== 0) summary += ` (deno test exited ${status.code}: see its errors above)`;
console.log(`\ntests: ${summary}`);
Deno.exit(status.code);
