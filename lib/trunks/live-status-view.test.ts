import { describe, expect, it } from "vitest";
import { changeConfirmation, type SyncView } from "./live-status-view";

const sync = (state: SyncView["state"], version: number): SyncView => ({
  state,
  version,
  syncedAt: state === "SYNCED" ? "2026-11-27T10:00:00.000Z" : null,
  requestedAt: "2026-11-27T09:59:59.000Z",
  nextAttemptAt: null,
  error: null,
});

describe("whether a password reset has reached the registrar", () => {
  const resetAt = 7;

  it("is not confirmed by the sync of an older version, though that one says synced", () => {
    expect(changeConfirmation(sync("SYNCED", resetAt - 1), resetAt)).toBe("waiting");
  });

  it("is not confirmed while the reset's own sync is pending", () => {
    expect(changeConfirmation(sync("PENDING", resetAt), resetAt)).toBe("waiting");
  });

  it("is confirmed once the trunk is synced at the reset's version, or at a later one", () => {
    expect(changeConfirmation(sync("SYNCED", resetAt), resetAt)).toBe("confirmed");
    expect(changeConfirmation(sync("SYNCED", resetAt + 2), resetAt)).toBe("confirmed");
  });

  it("says the registrar has not taken it when that sync failed or was refused", () => {
    expect(changeConfirmation(sync("FAILED", resetAt), resetAt)).toBe("failed");
    expect(changeConfirmation(sync("NEEDS_ATTENTION", resetAt), resetAt)).toBe("failed");
  });
});
