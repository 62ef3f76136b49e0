import 'server-only';
import { cookies } from 'next/headers';
import { parseTheme, parseTimeZone, THEME_COOKIE, TIME_ZONE_COOKIE, type Theme } from './appearance';

/** The viewer's theme and time zone as their cookies say, validated (defaults: "system", UTC). */
export async function readAppearance(): Promise<{ theme: Theme; timeZone: string }> {
  const jar = await cookies();
  return { theme: parseTheme(jar.get(THEME_COOKIE)?.value), timeZone: parseTimeZone(jar.get(TIME_ZONE_COOKIE)?.value) };
}
