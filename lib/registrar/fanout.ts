import type { Registrar, Registration } from "./types";

/**
 * Several registrars provisioned as one (REGISTRAR_HTTP_URL with more than one address): every change goes to all
 * of them, and counts as done only once all have it. A registrar that cannot be reached fails the change for all (it
 * is retried, and the others take the repeat as the no-op it is); one that refuses a subscriber's data makes it need
 * attention. Reads combine them: a PBX is registered wherever one of them says so. Reconciliation compares each
 * member on its own (`members`), so drift on one of them is found and repaired on all.
 */
export type FanOutRegistrar = Registrar & { readonly members: readonly Registrar[] };

export function isFanOut(registrar: Registrar): registrar is FanOutRegistrar {
  return Array.isArray((registrar as Partial<FanOutRegistrar>).members);
}

export function createFanOutRegistrar(members: Registrar[]): FanOutRegistrar {
  const all = <T>(work: (member: Registrar) => Promise<T>) => Promise.all(members.map(work));
  return {
    members,
    async apply(changes) {
      const outcomes = await all((member) => member.apply(changes));
      return changes.map((_, index) => outcomes.map((results) => results[index] ?? null).find(Boolean) ?? null);
    },
    async put(subscriber) {
      await all((member) => member.put(subscriber));
    },
    async remove(username) {
      await all((member) => member.remove(username));
    },
    async snapshots(usernames) {
      return (await all((member) => member.snapshots(usernames))).flat();
    },
    async usernames(after, limit) {
      const merged = new Set((await all((member) => member.usernames(after, limit))).flat());
      return [...merged].sort().slice(0, limit);
    },
    async registrations(usernames) {
      const combined = new Map<string, Registration[]>(usernames.map((username) => [username, []]));
      for (const found of await all((member) => member.registrations(usernames))) {
        for (const [username, rows] of found) combined.get(username)?.push(...rows);
      }
      return combined;
    },
    async status() {
      const statuses = await all((member) => member.status());
      const counts = statuses.map((status) => status.liveRegistrations);
      return {
        liveRegistrations: counts.every((count) => count !== null)
          ? counts.reduce<number>((sum, count) => sum + (count ?? 0), 0)
          : null,
      };
    },
    async close() {
      await all((member) => member.close());
    },
  };
}
