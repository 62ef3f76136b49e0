import fc from 'fast-check';

/**
 * Hostile text for the property-based input tests: the e2e fuzzing of every action and route
 * (e2e/fuzz.spec.ts) and the CLI's (jobs/cli-fuzz.test.ts) draw from the same values.
 */

export const injections = [
  "' OR '1'='1",
  "1; DROP TABLE jobs; --",
  "'); delete from users; --",
  '"; select pg_sleep(10); --',
  "1' union select password_hash from users --",
  '<script>alert(1)</script>',
  '"><img src=x onerror=alert(1)>',
  "javascript:alert('x')",
  '=HYPERLINK("http://evil.example","x")',
  "+cmd|' /C calc'!A0",
  '@SUM(1+1)',
  '-2+3',
  '\t=1+1',
  '../../../../etc/passwd',
  '..\\..\\windows\\win.ini',
  '%2e%2e%2f%2e%2e%2f',
  '/\\evil.example',
  '//evil.example',
  '%00',
  '%ZZ',
  '${process.exit(1)}',
  '{{7*7}}',
  '$(reboot)',
  '`id`',
  '\u001b[31mred\u001b[0m\u0007',
  '\u202Egnp.exe',
  'a\u200Bb\uFEFF',
  '\u0000',
  'a\u0000b',
  '\uD800',
  'x\uDFFFy',
  '👩‍👩‍👧‍👦🏳️‍🌈',
  'Ω≈ç√∫',
  '𝕳𝖊𝖑𝖑𝖔',
  'null',
  'undefined',
  'true',
  '[]',
  '{}',
  '__proto__',
  'constructor',
  '%s%s%s%n',
  '\r\n\r\nX-Injected: 1',
  'a\r\nLocation: https://evil.example',
  '$@1',
  '$Q1',
  '$K1',
  '$$',
];

export const numbersAsText: fc.Arbitrary<string> = fc.oneof(
  fc.integer().map(String),
  fc.double().map(String),
  fc.bigInt({ min: -(10n ** 40n), max: 10n ** 40n }).map(String),
  fc.constantFrom('NaN', 'Infinity', '-Infinity', '-0', '0', '1e309', '1e-400', '0x7fffffff', '0b101', '0o17', '9007199254740993', '1_000', '١٢٣', '１２', '1,5', '.5', '5.', '+-1', '1e3', ' 7 '),
);

export const nestedJsonText: fc.Arbitrary<string> = fc.oneof(
  fc.jsonValue({ maxDepth: 6 }).map((value) => JSON.stringify(value)),
  fc.integer({ min: 20, max: 3000 }).map((depth) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`),
  fc.integer({ min: 20, max: 3000 }).map((depth) => `${'['.repeat(depth)}${']'.repeat(depth)}`),
);

/** 1 to 100 kB of one character (a multi-byte one, sometimes). */
export const hugeText: fc.Arbitrary<string> = fc
  .tuple(fc.constantFrom('x', 'é', '😀', '<', "'", ' ', '\u0000', '9'), fc.integer({ min: 1_000, max: 100_000 }))
  .map(([unit, length]) => unit.repeat(Math.ceil(length / unit.length)));

export const oneUnit = fc.oneof(
  { arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }), weight: 8 },
  { arbitrary: fc.constantFrom('\uD800', '\uDBFF', '\uDC00', '\uDFFF', '\u0000', '\u202E', '\uFFFF', '\uFEFF'), weight: 2 },
);

/** Any text at all: NUL, lone surrogates, right-to-left marks, emoji, injections, numbers, JSON. */
export const hostileText: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: fc.constantFrom(...injections), weight: 4 },
  { arbitrary: numbersAsText, weight: 3 },
  { arbitrary: nestedJsonText, weight: 2 },
  { arbitrary: fc.string({ unit: oneUnit, maxLength: 40 }), weight: 3 },
  { arbitrary: fc.string({ maxLength: 30 }), weight: 2 },
  { arbitrary: hugeText, weight: 1 },
);
