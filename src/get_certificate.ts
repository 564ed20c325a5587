/**
 * The get-certificate action on its own: the same gather -> decide -> report as every other
 * event, through the action's own small modules, without loading the reconcile (its modules
 * and the requirers' schemas cost an action about 5 ms and several MiB; see BENCHMARKS.md).
 * Nothing is applied: the action only reads and answers.
 */
import { decideCertificateAction } from "./decide/certificate_action.ts";
import { gatherCertificateAction } from "./gather/certificate_action.ts";
import type { HookContext } from "./juju/context.ts";
import type { HookTools } from "./juju/tools.ts";
import { type ExitCode, reportFailure } from "./report/failure.ts";
import { report } from "./report/report.ts";

export async function runGetCertificate(ctx: HookContext, tools: HookTools): Promise<ExitCode> {
  try {
    const outcome = decideCertificateAction(await gatherCertificateAction(ctx, tools));
    await report(outcome, { blocked: null, logs: [], refused: [] }, tools);
    return 0;
  } catch (error) {
    return await reportFailure(ctx.event, tools, error);
  }
}
