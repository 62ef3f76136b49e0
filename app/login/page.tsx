import type { Metadata } from 'next';
import { redirect } from 'next/navigation';
import { getViewer } from '@/lib/session';
import { LoginForm } from './login-form';

export const metadata: Metadata = { title: 'Sign in' };

export default async function LoginPage({ searchParams }: { searchParams: Promise<{ callbackUrl?: string | string[] }> }) {
  if (await getViewer()) redirect('/jobs');
  const { callbackUrl } = await searchParams;
  return (
    <main className="flex min-h-screen items-center justify-center px-4">
      <div className="w-full max-w-sm rounded-lg border border-slate-200 bg-white p-6 shadow-sm">
        <h1 className="mb-1 text-xl font-semibold">Jobs console</h1>
        <p className="mb-6 text-sm text-slate-600">Sign in to see and manage your jobs.</p>
        <LoginForm callbackUrl={typeof callbackUrl === 'string' ? callbackUrl : undefined} />
      </div>
    </main>
  );
}
