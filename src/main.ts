/**
 * Entry point of the charm executable: Juju runs `dispatch` with no arguments and the event in
 * the environment. Reads the context, handles the event and exits with its code. The charm is
 * loaded only for an event it acts on (a hook with nothing to do costs no module evaluation),
 * and only on the leader: a standby answers from `standby.ts` alone, and the get-certificate
 * action from `get_certificate.ts`.
 */
import { runs } from "./events.ts";
import { ContextError, type HookContext, readContext } from "./juju/context.ts";
import { prepareKubernetes } from "./k8s/warm.ts";
import type { HookTools } from "./juju/tools.ts";

/** The standby's part; a failed hook tool fails the hook, so that Juju retries it. */
async function standby(ctx: HookContext, tools: HookTools): Promise<boolean | 1> {
  const { runStandby } = await import("./standby.ts");
  try {
    return await runStandby(ctx, tools);
  } catch (error) {
    const message = `standby check failed: ${error instanceof Error ? error.message : error}`;
    console.error(message);
    await tools.log("ERROR", message).catch(() => {});
    return 1;
  }
}

/** The one action that needs neither the cluster nor the reconcile's modules. */
function isGetCertificate(ctx: HookContext): boolean {
  return ctx.event.kind === "action" && ctx.event.name === "get-certificate";
}

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
  const [{ processToolRunner }, { createHookTools }] = await Promise.all([
    import("./juju/runner.ts"),
    import("./juju/tools.ts"),
  ]);
  if (Deno.env.get("GATEWAY_API_INTEGRATOR_TRACE") !== "1") {
    const tools = createHookTools(processToolRunner(), ctx);
    // Any unit answers an action (the standby check lets every action through).
    if (isGetCertificate(ctx)) {
      return await (await import("./get_certificate.ts")).runGetCertificate(ctx, tools);
    }
    const handled = await standby(ctx, tools);
    if (handled !== false) return handled === true ? 0 : handled;
    // Only the leader reconciles: the head starts for its Kubernetes requests (a standby that
    // took them measured 6 ms slower, 42 -> 48 ms).
    if (ctx.event.kind !== "action") prepareKubernetes();
    const { handleEvent } = await import("./charm.ts");
    return await handleEvent(ctx, tools);
  }
  const { createTrace } = await import("./trace.ts");
  const trace = createTrace(
    processToolRunner(),
    async (hook) => (await import("./charm.ts")).connectFromEnvironment(hook),
  );
  const tools = createHookTools(trace.runner, ctx);
  let code: number;
  const handled = isGetCertificate(ctx) ? "get-certificate" : await standby(ctx, tools);
  if (handled === "get-certificate") {
    code = await (await import("./get_certificate.ts")).runGetCertificate(ctx, tools);
  } else if (handled === false) {
    if (ctx.event.kind !== "action") prepareKubernetes();
    const { handleEvent } = await import("./charm.ts");
    code = await handleEvent(ctx, tools, trace.connect);
  } else {
    code = handled === true ? 0 : handled;
  }
  console.error(trace.report());
  return code;
}

Deno.exit(await main());
