"use client";

import { useRouter } from "next/navigation";
import { useEffect } from "react";

const POLL_MS = 1000;

/**
 * An import's progress bar. While the import runs, the page is refreshed from the server every second (only the
 * changed parts re-render), so the numbers stay live without a socket; without JavaScript the page still shows
 * where it stood when loaded.
 */
export function ImportProgress({
  running,
  done,
  total,
  rate,
  etaSeconds,
}: {
  running: boolean;
  done: number;
  total: number;
  rate: number;
  etaSeconds: number | null;
}) {
  const router = useRouter();
  useEffect(() => {
    if (!running) return;
    const timer = setInterval(() => router.refresh(), POLL_MS);
    return () => clearInterval(timer);
  }, [running, router]);
  const eta = etaSeconds === null ? "estimating…" : etaSeconds > 0 ? formatDuration(etaSeconds) : "none";
  return (
    <div className="space-y-2">
      <label htmlFor="import-progress" className="block text-sm font-medium">
        Rows done
      </label>
      <progress id="import-progress" value={done} max={Math.max(total, 1)} className="h-4 w-full">
        {done} of {total}
      </progress>
      <p className="text-sm" aria-live="polite" data-testid="import-progress-text">
        {done.toLocaleString("en")} of {total.toLocaleString("en")} rows · {rate.toFixed(1)} rows/s
        {running ? ` · time left: ${eta}` : ""}
      </p>
    </div>
  );
}

function formatDuration(seconds: number) {
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  return minutes < 60 ? `${minutes} min ${seconds % 60} s` : `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}
