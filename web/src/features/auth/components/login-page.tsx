import { useQuery } from '@tanstack/react-query';
import { useId, type SubmitEvent } from 'react';
import { Navigate, useNavigate, useSearchParams } from 'react-router';
import { meQuery, useLogin } from '@/features/auth/api/auth-queries';
import { ErrorAlert } from '@/shared/components/alert';
import { Button } from '@/shared/components/button';

/** Only same-app paths are allowed as a post-login destination. */
function safeNext(next: string | null): string {
  return next?.startsWith('/') && !next.startsWith('//') ? next : '/';
}

const inputClass =
  'block h-10 w-full rounded-md border-0 bg-white px-3 text-sm text-slate-900 shadow-sm ring-1 ring-inset ring-slate-300 placeholder:text-slate-400 focus:ring-2 focus:ring-inset focus:ring-indigo-600 focus-visible:outline-none';

export function LoginPage() {
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const me = useQuery({ ...meQuery, retry: false });
  const login = useLogin();
  const emailId = useId();
  const passwordId = useId();
  const next = safeNext(params.get('next'));

  if (me.data) return <Navigate to={next} replace />;

  function onSubmit(event: SubmitEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const email = form.get('email');
    const password = form.get('password');
    login.mutate(
      {
        email: typeof email === 'string' ? email.trim() : '',
        password: typeof password === 'string' ? password : '',
      },
      {
        onSuccess: () => {
          void navigate(next, { replace: true });
        },
      },
    );
  }

  return (
    <main className="flex min-h-dvh items-center justify-center bg-slate-50 px-4 py-12">
      <div className="w-full max-w-sm">
        <div className="mb-8 flex items-center justify-center gap-2">
          <img src="/favicon.svg" alt="" className="size-9" />
          <span className="text-xl font-semibold tracking-tight text-slate-900">Sentia</span>
        </div>
        <div className="rounded-xl border border-slate-200 bg-white p-6 shadow-sm sm:p-8">
          <h1 className="text-lg font-semibold text-slate-900">Sign in</h1>
          <p className="mt-1 text-sm text-slate-500">Use your Sentia account to continue.</p>
          <form className="mt-6 space-y-4" onSubmit={onSubmit}>
            {login.isError ? <ErrorAlert title="Sign-in failed" error={login.error} /> : null}
            <div>
              <label htmlFor={emailId} className="mb-1.5 block text-sm font-medium text-slate-700">
                Email
              </label>
              <input
                id={emailId}
                name="email"
                type="email"
                autoComplete="username"
                required
                autoFocus
                className={inputClass}
              />
            </div>
            <div>
              <label htmlFor={passwordId} className="mb-1.5 block text-sm font-medium text-slate-700">
                Password
              </label>
              <input
                id={passwordId}
                name="password"
                type="password"
                autoComplete="current-password"
                required
                className={inputClass}
              />
            </div>
            <Button type="submit" variant="primary" className="w-full" disabled={login.isPending}>
              {login.isPending ? 'Signing in…' : 'Sign in'}
            </Button>
          </form>
        </div>
      </div>
    </main>
  );
}
