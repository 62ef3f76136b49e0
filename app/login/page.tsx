import type { Metadata } from 'next';
import { redirect } from 'next/navigation';
import { ThemeSelect } from '@/components/theme-select';
import { readAppearance } from '@/lib/appearance-server';
import { getViewer } from '@/lib/session';
import { LoginForm } from './login-form';

export const metadata: Metadata = { title: 'Sign in' };

export default async function LoginPage({ searchParams }: { searchParams: Promise<{ callbackUrl?: string | string[] }> }) {
  if (await getViewer()) redirect('/jobs');
  const { callbackUrl } = await searchParams;
  const { theme } = await readAppearance();
  return (
    <main className="flex min-h-screen items-center justify-center px-4">
      <div className="w-full max-w-sm rounded-lg border border-slate-200 dark:border-slate-700 bg-white dark:bg-slate-900 p-6 shadow-sm">
        <h1 className="mb-1 text-xl font-semibold">Jobs console</h1>
        <p className="mb-6 text-sm text-slate-600 dark:text-slate-400">Sign in to see and manage your jobs.</p>
        <LoginForm callbackUrl={typeof callbackUrl === 'string' ? callbackUrl : undefined} />
        <div className="mt-6 flex justify-end border-t border-slate-200 pt-4 dark:border-slate-700">
          <ThemeSelect theme={theme} />
        </div>
      </div>
    </main>
  );
}
