// koa-csrf ships no type declarations; this is the part the dashboard uses.
declare module 'koa-csrf' {
  import type { Context, Middleware } from 'koa';
  interface CsrfOptions {
    errorHandler?: (ctx: Context) => unknown;
    excludedMethods?: string[];
    disableQuery?: boolean;
    ignoredPathGlobs?: string[];
  }
  function CSRF(options?: CsrfOptions): Middleware;
  export default CSRF;
}
