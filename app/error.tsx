"use client";

import { SomethingWentWrong } from "@/components/something-went-wrong";

export default function ErrorPage({ error, retry }: { error: unknown; retry: () => void }) {
  return <SomethingWentWrong error={error} retry={retry} />;
}
