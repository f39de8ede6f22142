import { Link } from 'react-router';
import { buttonClass } from '@/shared/components/button';

export function NotFoundPage() {
  return (
    <div className="flex flex-col items-center py-16 text-center">
      <title>Page not found · Sentia</title>
      <p className="text-sm font-semibold text-indigo-600">404</p>
      <h1 className="mt-2 text-2xl font-semibold tracking-tight text-slate-900">Page not found</h1>
      <p className="mt-2 text-sm text-slate-500">The page you asked for does not exist or has moved.</p>
      <Link to="/" className={buttonClass('primary', 'md', 'mt-6')}>
        Go to the overview
      </Link>
    </div>
  );
}
