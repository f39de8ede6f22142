import { MutationCache, QueryCache, QueryClient } from '@tanstack/react-query';
import { asApiError } from '@/api/errors';
import { authKeys } from '@/features/auth/api/auth-queries';

/**
 * One QueryClient for the app. A 401 from any request means the session ended: re-check
 * `/api/v1/me`, whose 401 sends the user to the login page.
 */
export function createQueryClient(): QueryClient {
  const client: QueryClient = new QueryClient({
    queryCache: new QueryCache({
      onError: (error, query) => {
        if (asApiError(error).isUnauthorized && query.queryKey[0] !== authKeys.me[0]) {
          void client.invalidateQueries({ queryKey: authKeys.me });
        }
      },
    }),
    mutationCache: new MutationCache({
      onError: (error, _variables, _context, mutation) => {
        const isLogin = mutation.options.mutationKey?.[0] === 'login';
        if (asApiError(error).isUnauthorized && !isLogin) {
          void client.invalidateQueries({ queryKey: authKeys.me });
        }
      },
    }),
    defaultOptions: {
      queries: {
        staleTime: 30_000,
        refetchOnWindowFocus: false,
        retry: (failureCount, error) => {
          const status = asApiError(error).status;
          if (status >= 400 && status < 500) return false;
          return failureCount < 2;
        },
      },
    },
  });
  return client;
}
