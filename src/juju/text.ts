/**
 * Text that reaches a hook tool's argv (statuses, log lines, action results and failures). Argv
 * cannot carry a NUL at all (the process would not even spawn), and other control characters
 * from relation data or config would garble `juju status` and the logs: they are written as
 * `\uXXXX` escapes instead. Newlines and tabs stay. Pure, so it is tested with plain strings.
 */

// C0 controls but tab and newline, DEL, and the C1 controls: matching them is the point.
// deno-lint-ignore no-control-regex
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

/** `text` with every control character but tab and newline written as a `\uXXXX` escape. */
export function escapeControls(text: string): string {
  return text.replace(
    CONTROL,
    (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

/** At most `max` characters, the end replaced by `...` when it is cut. */
export function truncateText(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 3)}...` : text;
}

/** The longest status message or action failure we send; longer ones end in `...`. */
export const MAX_MESSAGE_LENGTH = 500;

/** A status message or action failure as the hook tools get it: escaped, then truncated. */
export function toolMessage(text: string): string {
  return truncateText(escapeControls(text), MAX_MESSAGE_LENGTH);
}
