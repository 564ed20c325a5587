/** Fault sequences, part 3 of 4 (see fault_sequences.ts; the parts run in parallel). */
import { defineFaultSequenceTest } from "./fault_sequences.ts";

defineFaultSequenceTest(3);
