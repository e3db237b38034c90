/**
 * The console's own routes, written by hand from the agreed contract until the server that serves
 * them is in the generated schema.d.ts: cookie sessions (POST/GET/DELETE /api/v1/console/session)
 * and enrolment links (GET/POST /api/v1/enrolments/{token}). `ApiPaths` takes a generated path
 * over the one here as soon as `npm run api:types` finds it, so this file can then be deleted.
 */
import type { components, paths } from './schema.d.ts';

export type Problem = components['schemas']['Problem'];
export type Me = paths['/api/v1/me']['get']['responses'][200]['content']['application/json'];

/** The signed-in official: GET /api/v1/me's shape; the agency as an object or as its code. */
export interface ConsoleUser {
  username: string;
  full_name: string;
  roles: string[];
  agency?: Me['agency'];
  agency_code?: string;
  mfa_enabled?: boolean;
}

export interface ConsoleSession {
  csrf_token: string;
  user: ConsoleUser;
  /** Format: date-time */
  expires_at: string;
}

export interface Enrolment {
  username: string;
  full_name: string;
  agency_code: string;
  roles: string[];
  /** Format: date-time */
  expires_at: string;
  totp_secret: string;
  otpauth_uri: string;
}

type NoParams = { query?: never; header?: never; path?: never; cookie?: never };
type Json<T> = { headers: { [name: string]: unknown }; content: { 'application/json': T } };
type ProblemResponse = { headers: { [name: string]: unknown }; content: { 'application/problem+json': Problem } };
type NoContent = { headers: { [name: string]: unknown }; content?: never };
type Unused = { put?: never; options?: never; head?: never; patch?: never; trace?: never };

export interface ContractPaths {
  '/api/v1/console/session': Unused & {
    parameters: NoParams;
    get: { parameters: NoParams; requestBody?: never; responses: { 200: Json<ConsoleSession>; 401: ProblemResponse } };
    post: {
      parameters: NoParams;
      requestBody: { content: { 'application/json': { username: string; password: string; totp?: string } } };
      responses: { 200: Json<ConsoleSession>; 400: ProblemResponse; 401: ProblemResponse; 423: ProblemResponse };
    };
    delete: { parameters: NoParams; requestBody?: never; responses: { 204: NoContent; 401: ProblemResponse; 403: ProblemResponse } };
  };
  '/api/v1/enrolments/{token}': Unused & {
    parameters: { query?: never; header?: never; path: { token: string }; cookie?: never };
    get: {
      parameters: { query?: never; header?: never; path: { token: string }; cookie?: never };
      requestBody?: never;
      responses: { 200: Json<Enrolment>; 404: ProblemResponse; 410: ProblemResponse };
    };
    post: {
      parameters: { query?: never; header?: never; path: { token: string }; cookie?: never };
      requestBody: { content: { 'application/json': { password: string; totp: string } } };
      responses: { 204: NoContent; 400: ProblemResponse; 401: ProblemResponse; 404: ProblemResponse; 410: ProblemResponse };
    };
    delete?: never;
  };
}

/** Generated paths, and the contract's for those not generated yet. */
export type ApiPaths = Omit<ContractPaths, keyof paths> & paths;
