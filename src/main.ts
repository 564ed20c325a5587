/**
 * Entry point of the charm executable: Juju runs `dispatch` with no arguments and the event in
 * the environment. Reads the context, handles the event and exits with its code. The charm is
 * loaded only for an event it acts on (a hook with nothing to do costs no module evaluation).
 */
import { runs } from "./events.ts";
import { ContextError, readContext } from "./juju/context.ts";
import { prepareKubernetes } from "./k8s/warm.ts";

async function main(): Promise<number> {
  let ctx;
  try {
    ctx = readContext(Deno.env.toObject(), Deno.cwd());
  } catch (error) {
    if (!(error instanceof ContextError)) throw error;
    console.error(`gateway-api-integrator: not a Juju hook environment: ${error.message}`);
    return 2;
  }
  if (!runs(ctx.event)) return 0;
  // Actions read no Kubernetes; every other event that runs may reconcile over HTTPS.
  if (ctx.event.kind !== "action") prepareKubernetes();
  const [{ connectFromEnvironment, handleEvent }, { processToolRunner }, { createHookTools }] =
    await Promise.all([
      import("./charm.ts"),
      import("./juju/runner.ts"),
      import("./juju/tools.ts"),
    ]);
  if (Deno.env.get("GATEWAY_API_INTEGRATOR_TRACE") !== "1") {
    return await handleEvent(ctx, createHookTools(processToolRunner(), ctx));
  }
  const { createTrace } = await import("./trace.ts");
  const trace = createTrace(processToolRunner(), connectFromEnvironment);
  const code = await handleEvent(ctx, createHookTools(trace.runner, ctx), trace.connect);
  console.error(trace.report());
  return code;
}

Deno.exit(await main());
