/**
 * Entry point of the charm executable: Juju runs `dispatch` with no arguments and the event in
 * the environment. Reads the context, handles the event and exits with its code.
 */
import { handleEvent } from "./charm.ts";
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
  return await handleEvent(ctx, createHookTools(processToolRunner(), ctx));
}

Deno.exit(await main());
