/**
 * Entry point of the charm executable: Juju runs `dispatch` with no arguments and the event in
 * the environment. Reads the context, handles the event and exits with its code.
 */
import { connectFromEnvironment, handleEvent } from "./charm.ts";
import { ContextError, readContext } from "./juju/context.ts";
import { processToolRunner } from "./juju/runner.ts";
import { createHookTools } from "./juju/tools.ts";

async function main(): Promise<number> {
  let ctx;
  try {
    ctx = readContext(Deno.env.toObject(), Deno.cwd());
  } catch (error) {
    if (!(error instanceof ContextError)) throw error;
    console.error(`gateway-api-integrator: not a Juju hook environment: ${error.message}`);
    return 2;
  }
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
