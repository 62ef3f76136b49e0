'use client';

import { useId, useState } from 'react';
import { appearanceCookie, parseTheme, THEME_COOKIE, themes, type Theme } from '@/lib/appearance';

const themeNames: Record<Theme, string> = { system: 'System', light: 'Light', dark: 'Dark' };

/**
 * System, light or dark. The choice goes on <html> at once and into a cookie the server reads, so
 * every later page (after a reload, a sign-out, a new visit) arrives already in that theme.
 */
export function ThemeSelect({ theme }: { theme: Theme }) {
  const id = useId();
  const [chosen, setChosen] = useState(theme);
  return (
    <span className="flex items-center gap-1.5 text-sm">
      <label htmlFor={id} className="text-slate-600 dark:text-slate-400">
        Theme
      </label>
      <select
        id={id}
        value={chosen}
        data-testid="theme-select"
        onChange={(event) => {
          const next = parseTheme(event.target.value);
          setChosen(next);
          document.documentElement.dataset.theme = next;
          document.cookie = appearanceCookie(THEME_COOKIE, next);
        }}
        className="rounded-md border border-slate-300 bg-white px-1.5 py-1 text-sm dark:border-slate-600 dark:bg-slate-900"
      >
        {themes.map((option) => (
          <option key={option} value={option}>
            {themeNames[option]}
          </option>
        ))}
      </select>
    </span>
  );
}
