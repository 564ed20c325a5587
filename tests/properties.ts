/**
 * Shared settings of the property-based tests (fast-check): one seed per run, taken from
 * `FC_SEED` when set so that a failure can be replayed, and printed by fast-check in the failure
 * message together with the counterexample's path.
 *
 *   FC_SEED=1234 deno task test   # replays the run that printed `seed: 1234`
 */
import fc from "fast-check";

const fromEnv = Deno.env.get("FC_SEED");
export const SEED = fromEnv !== undefined && /^-?\d+$/.test(fromEnv)
  ? Number(fromEnv)
  : Math.floor(Math.random() * 2 ** 31);

/** Runs a property with the run's seed (the counts add up to at least 10,000 cases a run). */
export async function check<Ts extends [unknown, ...unknown[]]>(
  property: fc.IAsyncPropertyWithHooks<Ts> | fc.IPropertyWithHooks<Ts>,
  numRuns: number,
): Promise<void> {
  await fc.assert(property as fc.IAsyncPropertyWithHooks<Ts>, { seed: SEED, numRuns });
}

export { fc };
