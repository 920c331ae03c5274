"use client";

import { SomethingWentWrong } from "@/components/something-went-wrong";

export default function ErrorPage({ error, retry }: { error: unknown; retry: () => void }) {
  return (
    <main className="px-4">
      <SomethingWentWrong error={error} retry={retry} />
    </main>
  );
}
