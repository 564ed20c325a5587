/**
 * The report step: the log lines, then the status (or the action's result). The status is the
 * decided one unless applying was blocked, in which case the Blocked message says why.
 */
import type { AppliedCluster } from "../apply/apply.ts";
import type { HookTools } from "../juju/tools.ts";
import type { LogLine, Outcome } from "../outcome.ts";

/** Log lines sent one by one; past them, the rest go as one line per level. Every line is a
 * `juju-log` process, and a hostile databag can make thousands (one per bad entry). */
export const MAX_LOG_LINES = 20;

/** The most characters of one log line: one `juju-log` argument even in 3-byte UTF-8. */
export const MAX_LOG_CHARS = 40_000;

function cut(line: LogLine): LogLine {
  if (line.message.length <= MAX_LOG_CHARS) return line;
  const kept = line.message.slice(0, MAX_LOG_CHARS - 40);
  return { ...line, message: `${kept}... (${line.message.length - kept.length} characters more)` };
}

/** The log lines as `juju-log` gets them: at most MAX_LOG_LINES, then the rest by level, each
 * line at most MAX_LOG_CHARS (a provider's text can be megabytes). */
export function logCalls(lines: readonly LogLine[]): LogLine[] {
  return bounded(lines).map(cut);
}

function bounded(lines: readonly LogLine[]): LogLine[] {
  if (lines.length <= MAX_LOG_LINES) return [...lines];
  // As many lines one by one as leave room for one line per level of the rest.
  let kept = MAX_LOG_LINES - 1;
  let levels = [...new Set(lines.slice(kept).map((line) => line.level))];
  while (kept + levels.length > MAX_LOG_LINES) {
    kept = MAX_LOG_LINES - levels.length;
    levels = [...new Set(lines.slice(kept).map((line) => line.level))];
  }
  const first = lines.slice(0, kept);
  const rest = lines.slice(kept);
  return [
    ...first,
    ...levels.map((level) => {
      const messages = rest.filter((line) => line.level === level).map((line) => line.message);
      return { level, message: `${messages.length} more: ${messages.join(" | ")}` };
    }),
  ];
}

export async function report(
  outcome: Outcome,
  applied: AppliedCluster,
  tools: HookTools,
): Promise<void> {
  for (const line of logCalls([...outcome.logs, ...applied.logs])) {
    await tools.log(line.level, line.message);
  }
  if (applied.blocked !== null) {
    await tools.statusSet("blocked", applied.blocked);
  } else if (outcome.status !== null) {
    await tools.statusSet(outcome.status.status, outcome.status.message);
  }
  if (outcome.action === undefined) return;
  if ("fail" in outcome.action) await tools.actionFail(outcome.action.fail);
  else await tools.actionSet(outcome.action.results);
}
