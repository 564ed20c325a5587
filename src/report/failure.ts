/** A hook or action that failed: said on stderr and in the log, and an exit code that makes
 * Juju retry it. */
import { describeError } from "../decide/errors.ts";
import type { JujuEvent } from "../juju/context.ts";
import type { HookTools } from "../juju/tools.ts";

/** Exit codes: 0 done (even when blocked), 1 failed in a way a retry of the hook can fix. */
export type ExitCode = 0 | 1;

export async function reportFailure(
  event: JujuEvent,
  tools: HookTools,
  error: unknown,
): Promise<1> {
  const message = `${"hook" in event ? event.hook : event.name} failed: ${describeError(error)}`;
  console.error(message);
  await tools.log("ERROR", message).catch(() => {});
  return 1;
}
