import { describe, expect, it } from 'vitest';
import { appearanceCookie, parseTheme, parseTimeZone } from './appearance';

describe('parseTheme', () => {
  it.each(['system', 'light', 'dark'])('keeps "%s"', (theme) => expect(parseTheme(theme)).toBe(theme));
  it.each([undefined, null, '', 'Dark', 'blue', 'dark; x=1'])('takes %j for "system"', (value) => expect(parseTheme(value)).toBe('system'));
});

describe('parseTimeZone', () => {
  it.each(['Asia/Tokyo', 'America/New_York', 'Europe/Paris', 'UTC'])('keeps %s', (zone) => expect(parseTimeZone(zone)).toBe(zone));
  it.each([undefined, null, '', 'Mars/Olympus', 'asia/tokyo', '<script>', 'Asia/Tokyo'.repeat(10)])('takes %j for UTC', (value) =>
    expect(parseTimeZone(value)).toBe('UTC'));
});

describe('appearanceCookie', () => {
  it('lasts a year on the whole site', () => expect(appearanceCookie('theme', 'dark')).toBe('theme=dark; Path=/; Max-Age=31536000; SameSite=Lax'));
});
