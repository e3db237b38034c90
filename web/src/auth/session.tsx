import { createContext, type ReactNode, useCallback, useContext, useEffect, useMemo, useState } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { ApiError, api, setCsrfToken, setUnauthorizedHandler, unwrap } from '../api/client.ts';
import type { paths } from '../api/schema.d.ts';

/** The console's cookie session (GET or POST /api/v1/console/session), as the server's OpenAPI document states it. */
export type ConsoleSession = paths['/api/v1/console/session']['get']['responses'][200]['content']['application/json'];
/** The signed-in official. */
export type ConsoleUser = ConsoleSession['user'];

export interface SignInInput {
  username: string;
  password: string;
  totp?: string;
}

interface SessionState {
  /** undefined while the session is being restored at start. */
  session: ConsoleSession | null | undefined;
  /** Set when a signed-in page met a 401: the sign-in page says the session ended. */
  expired: boolean;
  signIn(input: SignInInput): Promise<ConsoleSession>;
  signOut(): Promise<void>;
}

const SessionContext = createContext<SessionState | null>(null);

/** The code of the official's agency. */
export function agencyCodeOf(user: Pick<ConsoleUser, 'agency'>): string {
  return user.agency.code;
}

/**
 * The cookie session (HttpOnly `lt_session`, which scripts never see): restored at start with
 * GET /api/v1/console/session, which also hands back the CSRF token kept in memory.
 */
export function SessionProvider({ children }: { children: ReactNode }) {
  const queryClient = useQueryClient();
  const [session, setSession] = useState<ConsoleSession | null | undefined>(undefined);
  const [expired, setExpired] = useState(false);

  const adopt = useCallback((next: ConsoleSession | null) => {
    setCsrfToken(next?.csrf_token ?? null);
    setSession(next);
  }, []);

  useEffect(() => {
    let live = true;
    api.GET('/api/v1/console/session').then(
      (r) => live && adopt(r.response.ok && r.data ? r.data : null),
      () => live && adopt(null),
    );
    return () => {
      live = false;
    };
  }, [adopt]);

  useEffect(() => {
    setUnauthorizedHandler(() => {
      setExpired(true);
      adopt(null);
      queryClient.clear();
    });
    return () => setUnauthorizedHandler(null);
  }, [adopt, queryClient]);

  const signIn = useCallback(
    async (input: SignInInput) => {
      const body = { username: input.username, password: input.password, ...(input.totp ? { totp: input.totp } : {}) };
      const next = unwrap(await api.POST('/api/v1/console/session', { body }));
      queryClient.clear();
      setExpired(false);
      adopt(next);
      return next;
    },
    [adopt, queryClient],
  );

  const signOut = useCallback(async () => {
    try {
      unwrap(await api.DELETE('/api/v1/console/session'));
    } catch (err) {
      // an ended session is signed out all the same
      if (!(err instanceof ApiError)) throw err;
    }
    queryClient.clear();
    adopt(null);
  }, [adopt, queryClient]);

  const value = useMemo<SessionState>(() => ({ session, expired, signIn, signOut }), [session, expired, signIn, signOut]);
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionState {
  const ctx = useContext(SessionContext);
  if (!ctx) throw new Error('useSession outside SessionProvider');
  return ctx;
}
