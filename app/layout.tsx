import type { Metadata } from 'next';
import { TimeZoneProvider } from '@/components/time-zone';
import { readAppearance } from '@/lib/appearance-server';
import './globals.css';

export const metadata: Metadata = {
  title: { default: 'Jobs console', template: '%s · Jobs console' },
  description: 'See, launch and manage background jobs.',
};

export default async function RootLayout({ children }: { children: React.ReactNode }) {
  const { theme, timeZone } = await readAppearance();
  return (
    <html lang="en" data-theme={theme}>
      <body className="min-h-screen bg-slate-50 font-sans text-slate-900 antialiased dark:bg-slate-950 dark:text-slate-100">
        <TimeZoneProvider timeZone={timeZone}>{children}</TimeZoneProvider>
      </body>
    </html>
  );
}
