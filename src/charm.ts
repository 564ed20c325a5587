/**
 * The charm: which events run the one pass, and the pass itself in its four steps —
 * gather (`src/gather/`) → decide (`src/decide/`, pure) → apply (`src/apply/`) → report
 * (`src/report/`). This is the only module that knows the order of things.
 */
import { apply } from "./apply/apply.ts";
import { decide } from "./decide/decide.ts";
import { describeError } from "./decide/errors.ts";
import { type Connector, gather } from "./gather/gather.ts";
import type { HookContext, JujuEvent } from "./juju/context.ts";
import type { HookTools } from "./juju/tools.ts";
import { report } from "./report/report.ts";

export { ENDPOINTS } from "./gather/relations.ts";
export { TLS_WAITING } from "./decide/decide.ts";
export type { Connector };

/** Exit codes: 0 done (even when blocked), 1 failed in a way a retry of the hook can fix. */
export type ExitCode = 0 | 1;

export const connectFromEnvironment: Connector = async (ctx) => {
  const { connect } = await import("./k8s/client.ts");
  return await connect({
    namespace: ctx.modelName,
    fieldManager: ctx.appName,
    env: Deno.env.toObject(),
  });
};

/** Events that run the pass: the reconcile for most, the cleanup for `remove`, and actions.
 * `stop`, secret events other than changed/expired and unknown hooks do nothing. */
function runs(event: JujuEvent): boolean {
  switch (event.kind) {
    case "lifecycle":
      return event.hook !== "stop";
    case "relation":
    case "action":
      return true;
    case "secret":
      return event.phase === "changed" || event.phase === "expired";
    default:
      return false;
  }
}

/** One pass: gather → decide → apply → report. */
async function pass(ctx: HookContext, tools: HookTools, connect: Connector): Promise<void> {
  const { world, client } = await gather(ctx, tools, connect, new Date());
  const outcome = decide(world);
  const owned = world.kind === "reconcile" || world.kind === "remove"
    ? world.cluster !== null && !("error" in world.cluster) ? world.cluster.owned : new Map()
    : new Map();
  const applied = await apply(outcome, tools, client, ctx.appName, owned);
  await report(outcome, applied, tools);
}

/** Runs the event. Any failure is logged and makes the hook fail so that Juju retries it. */
export async function handleEvent(
  ctx: HookContext,
  tools: HookTools,
  connect: Connector = connectFromEnvironment,
): Promise<ExitCode> {
  const { event } = ctx;
  try {
    if (runs(event)) await pass(ctx, tools, connect);
    return 0;
  } catch (error) {
    const message = `${"hook" in event ? event.hook : event.name} failed: ${describeError(error)}`;
    console.error(message);
    await tools.log("ERROR", message).catch(() => {});
    return 1;
  }
}
