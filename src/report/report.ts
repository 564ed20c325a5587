/**
 * The report step: the log lines, then the status (or the action's result). The status is the
 * decided one unless applying was blocked, in which case the Blocked message says why.
 */
import type { AppliedCluster } from "../apply/apply.ts";
import type { HookTools } from "../juju/tools.ts";
import type { Outcome } from "../outcome.ts";

export async function report(
  outcome: Outcome,
  applied: AppliedCluster,
  tools: HookTools,
): Promise<void> {
  for (const line of [...outcome.logs, ...applied.logs]) await tools.log(line.level, line.message);
  if (applied.blocked !== null) {
    await tools.statusSet("blocked", applied.blocked);
  } else if (outcome.status !== null) {
    await tools.statusSet(outcome.status.status, outcome.status.message);
  }
  if (outcome.action === undefined) return;
  if ("fail" in outcome.action) await tools.actionFail(outcome.action.fail);
  else await tools.actionSet(outcome.action.results);
}
