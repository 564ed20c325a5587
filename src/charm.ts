/**
 * The charm: which events run the one pass, and the pass itself in its four steps —
 * gather (`src/gather/`) → decide (`src/decide/`, pure) → apply (`src/apply/`) → report
 * (`src/report/`). This is the only module that knows the order of things.
 */
import { applyCluster, applyJuju } from "./apply/apply.ts";
import { decide } from "./decide/decide.ts";
import { type Connector, gather } from "./gather/gather.ts";
import { runs } from "./events.ts";
import type { HookContext } from "./juju/context.ts";
import type { HookTools } from "./juju/tools.ts";
import { report } from "./report/report.ts";
import { type ExitCode, reportFailure } from "./report/failure.ts";

export { ENDPOINTS } from "./gather/relations.ts";
export { TLS_WAITING } from "./decide/decide.ts";
export type { Connector };

export type { ExitCode };

export const connectFromEnvironment: Connector = async (ctx) => {
  const { connect, tuningFromEnv } = await import("./k8s/client.ts");
  const env = Deno.env.toObject();
  return await connect({
    namespace: ctx.modelName,
    fieldManager: ctx.appName,
    env,
    ...tuningFromEnv(env),
  });
};

/** One pass: gather → decide → apply → report. When the API refuses objects of requirers, the
 * decision is taken again knowing it (their requirers are left out, the others applied), until
 * nothing more is refused; only then are the Juju writes made. */
async function pass(ctx: HookContext, tools: HookTools, connect: Connector): Promise<void> {
  const gathered = await gather(ctx, tools, connect, new Date());
  const { client } = gathered;
  let world = gathered.world;
  let outcome = decide(world);
  const cluster = "cluster" in world && world.cluster !== null && !("error" in world.cluster)
    ? world.cluster
    : null;
  let applied = await applyCluster(outcome, client, ctx.appName, cluster?.owned ?? new Map());
  while (world.kind === "reconcile" && applied.refused.length > 0) {
    const known = new Set(world.refused.map((refusal) => refusal.object));
    const fresh = applied.refused.filter((refusal) => !known.has(refusal.object));
    if (fresh.length === 0) break;
    world = { ...world, refused: [...world.refused, ...fresh] };
    outcome = decide(world);
    // The pass changed the cluster: the owned objects are listed again.
    applied = await applyCluster(outcome, client, ctx.appName, new Map());
  }
  await applyJuju(outcome, tools, applied);
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
    return await reportFailure(event, tools, error);
  }
}
