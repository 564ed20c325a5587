/**
 * Text that reaches a hook tool's argv (statuses, log lines, action results and failures). Argv
 * cannot carry a NUL at all (the process would not even spawn), and other control characters
 * from relation data or config would garble `juju status` and the logs: they are written as
 * `\uXXXX` escapes instead, and so are the invisible format characters that would reorder or
 * hide the text around them (bidirectional overrides and isolates, zero-width characters, line
 * and paragraph separators, the soft hyphen, the byte-order mark). Newlines and tabs stay. Pure,
 * so it is tested with plain strings.
 */

// C0 controls but tab and newline, DEL, the C1 controls, and the invisible format characters:
// matching them is the point.
const CONTROL =
  // deno-lint-ignore no-control-regex
  /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb]/g;

/** `text` with every control or invisible format character but tab and newline written as a
 * `\uXXXX` escape. */
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
