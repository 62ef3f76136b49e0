import { describe, expect, it } from 'vitest';
import { printable } from './printable';

describe('printable', () => {
  it.each([
    ['plain text, accents é and emoji ✓', 'plain text, accents é and emoji ✓'],
    ['\u001b[31mred\u001b[0m', '\\x1b[31mred\\x1b[0m'],
    ['\u001b]52;c;ZWNobyBoaQ==\u0007', '\\x1b]52;c;ZWNobyBoaQ==\\x07'],
    ['line\nbreak\ttab\rreturn', 'line\\x0abreak\\x09tab\\x0dreturn'],
    ['\u009b31m', '\\x9b31m'],
    ['abc\u202Edcba', 'abc\\x202edcba'],
  ])('%j → %j', (input, expected) => {
    expect(printable(input)).toBe(expected);
  });
});
