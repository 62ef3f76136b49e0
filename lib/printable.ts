// C0 and C1 control characters, DEL, and the Unicode marks that reorder or hide text.
const unsafe = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069]/g;

/**
 * Text safe to print to a terminal: job messages, errors and log lines are user-controlled, and an
 * escape sequence in them would otherwise run in the operator's terminal. Controls become `\xNN`.
 */
export function printable(text: string): string {
  return text.replace(unsafe, (char) => `\\x${char.charCodeAt(0).toString(16).padStart(2, '0')}`);
}
