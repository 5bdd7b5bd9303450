import { createHash, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { ApiKey, Role } from '../config';
import { ForbiddenError, UnauthorizedError } from '../domain/errors';

export interface Principal {
  name: string;
  role: Role;
}

declare module 'express-serve-static-core' {
  interface Request {
    principal?: Principal;
    requestId: string;
  }
}

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();
const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

/**
 * API keys with roles from configuration (`Authorization: Bearer <key>`). Keys are compared in constant time
 * (on their SHA-256 digests, so length does not leak either). With no keys configured the gateway trusts
 * loopback callers only, as the local `admin`.
 */
export class Authenticator {
  private readonly keys: Array<{ digest: Buffer; principal: Principal }>;

  constructor(keys: readonly ApiKey[]) {
    this.keys = keys.map((k) => ({ digest: digest(k.key), principal: { name: k.name, role: k.role } }));
  }

  get open(): boolean {
    return this.keys.length === 0;
  }

  authenticate(authorization: string | undefined, remoteAddress: string | undefined): Principal {
    if (this.open) {
      if (remoteAddress !== undefined && LOOPBACK.has(remoteAddress)) return { name: 'local', role: 'admin' };
      throw new ForbiddenError('no API keys are configured: only loopback callers are accepted');
    }
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
    if (!match?.[1]) throw new UnauthorizedError('missing or malformed Authorization: Bearer <key> header');
    const given = digest(match[1]);
    let found: Principal | undefined;
    for (const k of this.keys) {
      // Compare against every key, so timing does not reveal which one matched.
      if (timingSafeEqual(given, k.digest)) found = k.principal;
    }
    if (!found) throw new UnauthorizedError('unknown API key');
    return found;
  }
}

/** Express middleware: authenticates and checks the route's roles (`admin` may do everything). */
export function requireRole(auth: Authenticator, roles: readonly Role[]) {
  return (req: Request, _res: Response, next: NextFunction): void => {
    try {
      const principal = auth.authenticate(req.headers.authorization, req.socket.remoteAddress);
      if (principal.role !== 'admin' && !roles.includes(principal.role)) {
        throw new ForbiddenError(`role '${principal.role}' may not do this (needs ${roles.join(' or ')})`);
      }
      req.principal = principal;
      next();
    } catch (err) {
      next(err);
    }
  };
}
