"use client";

import { SomethingWentWrong } from "@/components/something-went-wrong";

/** A failure in any page of this area, shown inside its layout so the navigation stays. */
export default function ErrorPage({ error, retry }: { error: unknown; retry: () => void }) {
  return <SomethingWentWrong error={error} retry={retry} />;
}
