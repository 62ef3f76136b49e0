/**
 * The viewer's appearance choices, kept in cookies so that the server renders the first HTML with
 * them (no flash of the wrong theme, times already in the viewer's zone). Both cookies are read by
 * the server and written by the browser; anything unexpected in them means the default.
 */

export const THEME_COOKIE = 'theme';
export const TIME_ZONE_COOKIE = 'tz';
/** A year: the choice outlives sessions (signing out does not touch these cookies). */
export const APPEARANCE_COOKIE_MAX_AGE_SECONDS = 365 * 24 * 3600;

export const themes = ['system', 'light', 'dark'] as const;
export type Theme = (typeof themes)[number];

/** The theme a cookie names; anything else is "system" (follow the operating system's setting). */
export function parseTheme(value: string | null | undefined): Theme {
  return themes.find((theme) => theme === value) ?? 'system';
}

let knownZones: Set<string> | null = null;

/** A time zone Intl knows by name ("Asia/Tokyo", "UTC"); anything else, or nothing, is UTC. */
export function parseTimeZone(value: string | null | undefined): string {
  if (!value || value.length > 64) return 'UTC';
  knownZones ??= new Set([...Intl.supportedValuesOf('timeZone'), 'UTC', 'Etc/UTC']);
  return knownZones.has(value) ? value : 'UTC';
}

/** The `document.cookie` assignment that remembers `value` (a theme or a zone name: no character to escape) for a year, site-wide. */
export function appearanceCookie(name: string, value: string): string {
  return `${name}=${value}; Path=/; Max-Age=${APPEARANCE_COOKIE_MAX_AGE_SECONDS}; SameSite=Lax`;
}
