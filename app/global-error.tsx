"use client";

import { SomethingWentWrong } from "@/components/something-went-wrong";
import "./globals.css";

/** Replaces the root layout when it fails itself, so it brings its own document. */
export default function GlobalError({ error, retry }: { error: unknown; retry: () => void }) {
  return (
    <html lang="en">
      <body className="min-h-screen font-sans">
        <title>Something went wrong · Trunk Portal</title>
        <main className="px-4">
          <SomethingWentWrong error={error} retry={retry} />
        </main>
      </body>
    </html>
  );
}
