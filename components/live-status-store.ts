"use client";

import { useCallback, useSyncExternalStore } from "react";
import type { TrunkLiveStatus } from "@/lib/trunks/live-status-view";

/**
 * Polls a trunk's status route while something on the page shows it. Why polling rather than server-sent events:
 * the status is a cheap read (one row, one registrar lookup with a timeout), the portal has no push source to relay
 * (the worker writes the database), and a short GET works through every proxy and under the CSP (connect-src
 * 'self') with nothing held open per viewer. Every component showing one trunk shares one poll; it runs every second
 * while a change is on its way to the registrar, every five seconds otherwise, and not at all in a hidden tab.
 */
export const FAST_POLL_MS = 1000;
export const SLOW_POLL_MS = 5000;

export type LiveState = {
  status: TrunkLiveStatus | null;
  /** Why the last poll brought nothing new: the portal could not be reached, or the session ended. */
  problem: "offline" | "signed-out" | null;
};

type Poller = {
  state: LiveState;
  listeners: Set<() => void>;
  timer: ReturnType<typeof setTimeout> | null;
  running: boolean;
};

const pollers = new Map<string, Poller>();
const EMPTY: LiveState = { status: null, problem: null };

function publish(poller: Poller, state: LiveState) {
  poller.state = state;
  for (const listener of poller.listeners) listener();
}

function schedule(url: string, poller: Poller, delayMs: number) {
  if (poller.timer) clearTimeout(poller.timer);
  poller.timer = setTimeout(() => void poll(url, poller), delayMs);
}

async function poll(url: string, poller: Poller) {
  poller.timer = null;
  if (poller.listeners.size === 0 || poller.running) return;
  if (document.visibilityState === "hidden") return; // resumed by the visibilitychange listener below
  poller.running = true;
  try {
    const response = await fetch(url, { cache: "no-store", headers: { accept: "application/json" } });
    if (response.status === 401 || response.status === 403 || response.status === 404) {
      publish(poller, { ...poller.state, problem: "signed-out" });
      return; // nothing more to learn until the page is reloaded
    }
    if (!response.ok) throw new Error(`status ${response.status}`);
    publish(poller, { status: (await response.json()) as TrunkLiveStatus, problem: null });
  } catch {
    publish(poller, { ...poller.state, problem: "offline" });
  } finally {
    poller.running = false;
  }
  const settled = poller.state.status?.sync.state === "SYNCED" || poller.state.status?.sync.state === "NEEDS_ATTENTION";
  if (poller.listeners.size > 0) schedule(url, poller, settled ? SLOW_POLL_MS : FAST_POLL_MS);
}

if (typeof document !== "undefined") {
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState !== "visible") return;
    for (const [url, poller] of pollers) if (poller.listeners.size > 0 && !poller.running) schedule(url, poller, 0);
  });
}

function subscribe(url: string, listener: () => void) {
  let poller = pollers.get(url);
  if (!poller) {
    poller = { state: EMPTY, listeners: new Set(), timer: null, running: false };
    pollers.set(url, poller);
  }
  poller.listeners.add(listener);
  if (poller.listeners.size === 1) schedule(url, poller, FAST_POLL_MS);
  const current = poller;
  return () => {
    current.listeners.delete(listener);
    if (current.listeners.size === 0 && current.timer) {
      clearTimeout(current.timer);
      current.timer = null;
    }
  };
}

/** Asks now rather than at the next tick (after a change the page knows is on its way). */
export function pollNow(url: string) {
  const poller = pollers.get(url);
  if (poller && poller.listeners.size > 0) schedule(url, poller, 0);
}

/** The trunk's live status from its route, shared by every component that shows it; null until the first answer. */
export function useLiveStatus(url: string): LiveState {
  const subscribeToUrl = useCallback((listener: () => void) => subscribe(url, listener), [url]);
  return useSyncExternalStore(
    subscribeToUrl,
    () => pollers.get(url)?.state ?? EMPTY,
    () => EMPTY,
  );
}

/** The newer of what the server rendered and what the last poll brought. */
export function newest<T extends { checkedAt: string }>(initial: T, live: T | null): T {
  return live && live.checkedAt >= initial.checkedAt ? live : initial;
}
