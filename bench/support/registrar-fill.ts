/**
 * Fills an empty Kamailio registrar database with every trunk of a portal that may authenticate, the rows the SQL
 * adapter writes for it (`subscriber` per realm, `usr_preferences` from attributeRows), in set-based inserts of a few
 * thousand trunks each: seconds for 50,000 trunks where the adapter's diffing batch write took minutes. The trunks
 * come from reconciliation's own cursor (one sorted pass). A reconciliation that finds only the drift planted
 * afterwards proves the rows are those a sync writes. Used by bench/reconciliation.ts and the reconciliation-at-scale
 * test.
 */
import type pg from "pg";
import { attributeRows } from "../../lib/registrar/kamailio-attributes";
import { subscriberFor } from "../../lib/registrar/sync";
import { openTrunkCursor } from "../../lib/registrar/trunk-cursor";

export async function fillRegistrar(
  portal: pg.Pool,
  registrar: pg.Pool,
  { batchSize = 10_000, onBatch }: { batchSize?: number; onBatch?: (lastUsername: string) => void } = {},
) {
  const client = await portal.connect();
  try {
    const cursor = await openTrunkCursor(client);
    const now = new Date();
    for (;;) {
      const trunks = await cursor.next(batchSize);
      if (trunks.length === 0) break;
      const subscribers = {
        username: [] as string[],
        domain: [] as string[],
        ha1: [] as string[],
        ha1b: [] as string[],
      };
      const preferences = {
        username: [] as string[],
        domain: [] as string[],
        attribute: [] as string[],
        value: [] as string[],
      };
      for (const trunk of trunks) {
        const subscriber = subscriberFor(trunk, now);
        if (trunk.status === "DELETED" || !subscriber.enabled) continue;
        const rows = attributeRows(subscriber.attributes);
        for (const { realm, ha1, ha1b } of subscriber.credentials) {
          subscribers.username.push(trunk.username);
          subscribers.domain.push(realm);
          subscribers.ha1.push(ha1);
          subscribers.ha1b.push(ha1b);
          for (const { attribute, value } of rows) {
            preferences.username.push(trunk.username);
            preferences.domain.push(realm);
            preferences.attribute.push(attribute);
            preferences.value.push(value);
          }
        }
      }
      await registrar.query(
        `INSERT INTO subscriber (username, domain, password, ha1, ha1b)
         SELECT d.username, d.domain, '', d.ha1, d.ha1b FROM unnest($1::text[], $2::text[], $3::text[], $4::text[])
           AS d(username, domain, ha1, ha1b)`,
        Object.values(subscribers),
      );
      await registrar.query(
        `INSERT INTO usr_preferences (uuid, username, domain, attribute, type, value, last_modified)
         SELECT d.username, d.username, d.domain, d.attribute, 0, d.value, now()
         FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS d(username, domain, attribute, value)`,
        Object.values(preferences),
      );
      onBatch?.(trunks[trunks.length - 1]?.username ?? "");
    }
    await cursor.close();
  } finally {
    client.release();
  }
}
