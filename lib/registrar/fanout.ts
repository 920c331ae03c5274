import { settleAll } from "./settle-all";
import type { AuthFailureCount, Refusal, Registrar, Registration } from "./types";

/**
 * Several registrars provisioned as one (REGISTRAR_HTTP_URL with more than one address): every change goes to all
 * of them, and counts as done only once all have it. A registrar that cannot be reached fails the change for all (it
 * is retried, and the others take the repeat as the no-op it is); one that refuses a subscriber's data makes it need
 * attention. Reads combine them: a PBX is registered wherever one of them says so. Reconciliation compares each
 * member on its own (`members`), so drift on one of them is found and repaired on all. Call records, refusals and
 * failed authentications are each member's own (its calls): they are combined per username.
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
      // One registrar's outage fails the batch once the others have finished writing it: nothing of a failed sync
      // lands after it has let go of its trunks.
      const outcomes = await settleAll(members.map((member) => member.apply(changes)));
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
    async putProviderPolicy(policy) {
      await all((member) => member.putProviderPolicy(policy));
    },
    async callRecords(query) {
      const byTime = (await all((member) => member.callRecords(query)))
        .flat()
        .sort((a, b) => b.at.getTime() - a.at.getTime() || (a.id < b.id ? 1 : -1));
      return byTime.slice(0, query.limit);
    },
    async refusals(query) {
      const latest = new Map<string, Refusal>();
      for (const refusal of (await all((member) => member.refusals(query))).flat()) {
        const known = latest.get(refusal.username);
        if (!known || known.at < refusal.at) latest.set(refusal.username, refusal);
      }
      return [...latest.values()];
    },
    async authFailures(query) {
      // Each member counts only the failures it saw, so the threshold applies to their sum: an attack spread over
      // the registrars (4 + 4 against a threshold of 5) is reported too.
      const combined = new Map<string, AuthFailureCount>();
      for (const count of (await all((member) => member.authFailures({ ...query, atLeast: 1 }))).flat()) {
        const known = combined.get(count.username);
        combined.set(
          count.username,
          known
            ? {
                username: count.username,
                failures: known.failures + count.failures,
                sources: [...new Set([...known.sources, ...count.sources])],
                firstAt: new Date(Math.min(known.firstAt.getTime(), count.firstAt.getTime())),
                lastAt: new Date(Math.max(known.lastAt.getTime(), count.lastAt.getTime())),
              }
            : count,
        );
      }
      return [...combined.values()].filter((count) => count.failures >= query.atLeast);
    },
    async purgeRecords(before) {
      return (await all((member) => member.purgeRecords(before))).reduce((sum, deleted) => sum + deleted, 0);
    },
    async registeredUsernames() {
      const lists = await all((member) => member.registeredUsernames());
      return lists.some((list) => list === null) ? null : [...new Set(lists.flat() as string[])];
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
