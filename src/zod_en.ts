/**
 * zod/mini carries no error messages of its own: without a locale every default issue message
 * is "Invalid input". Classic zod registers English; this does the same, so the messages the
 * charm reports (hook-tool output, relation data, the hook environment) read as before. Imported
 * for its effect by the modules that show issue messages.
 */
import { config } from "zod/mini";
import { en } from "zod/locales";

config(en());
