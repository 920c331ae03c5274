/**
 * Drift between a seeded portal (bench/support/seed.ts) and its registrar, of every kind reconciliation repairs,
 * `count` trunks of each, spread over the whole username range: subscribers deleted by hand, a wrong HA1, a changed
 * attribute, strangers the portal does not know, trunks disabled in the portal that can still authenticate, and
 * stale digests stored in the portal. Used by bench/reconciliation.ts and the reconciliation-at-scale test.
 */
import type pg from "pg";

type Sql = Pick<pg.Pool, "query">;
type Planted = { id: string; username: string }[];
export type PlantedDrift = {
  deleted: Planted;
  wrongHash: Planted;
  wrongAttribute: Planted;
  disabled: Planted;
  stalePortal: Planted;
  strangers: string[];
};

export const DRIFT_REASON = "planted drift";
const usernames = (rows: Planted) => rows.map((row) => row.username);

/** Undoes the portal side of an earlier plant (disabled trunks), so drift can be planted again. */
export async function undoPortalDrift(portal: Sql) {
  await portal.query(`UPDATE "Trunk" SET status = 'ACTIVE', "statusReason" = NULL WHERE "statusReason" = $1`, [
    DRIFT_REASON,
  ]);
}

export async function plantDrift(portal: Sql, registrar: Sql, count: number): Promise<PlantedDrift> {
  const [total] = (await portal.query<{ n: number }>(`SELECT count(*)::int AS n FROM "Trunk"`)).rows;
  const every = Math.max(7, Math.floor((total?.n ?? 0) / (count * 1.2)));
  const pick = async (remainder: number): Promise<Planted> =>
    (
      await portal.query<{ id: string; username: string }>(
        `SELECT id, username FROM "Trunk" WHERE status = 'ACTIVE' AND substr(id, 4)::int % $1 = $2
         ORDER BY id LIMIT $3`,
        [every, remainder, count],
      )
    ).rows;
  const drift: PlantedDrift = {
    deleted: await pick(1),
    wrongHash: await pick(2),
    wrongAttribute: await pick(3),
    disabled: await pick(4),
    stalePortal: await pick(6),
    strangers: Array.from({ length: count }, (_, i) => `stranger${i}`),
  };
  await registrar.query("DELETE FROM subscriber WHERE username = ANY($1)", [usernames(drift.deleted)]);
  await registrar.query(`UPDATE subscriber SET ha1 = md5('drift' || username) WHERE username = ANY($1)`, [
    usernames(drift.wrongHash),
  ]);
  await registrar.query(
    `UPDATE usr_preferences SET value = '999' WHERE username = ANY($1) AND attribute = 'call_limit'`,
    [usernames(drift.wrongAttribute)],
  );
  await registrar.query(`DELETE FROM subscriber WHERE username LIKE 'stranger%'`);
  await registrar.query(
    `INSERT INTO subscriber (username, domain, password, ha1, ha1b)
     SELECT name, 'sip1.bench.test', '', md5(name), md5(name) FROM unnest($1::text[]) AS name`,
    [drift.strangers],
  );
  // A trunk disabled by an earlier plant was removed from the registrar by that run's repair, and undoPortalDrift
  // only re-enables it in the portal: put its subscriber rows back (its stored digests), so that every run has trunks
  // disabled in the portal that can still authenticate.
  const { rows: credentials } = await portal.query<{ username: string; realm: string; ha1: string; ha1b: string }>(
    `SELECT t.username, s.realm, ts.ha1, ts.ha1b FROM "Trunk" t
     JOIN "TrunkServer" ts ON ts."trunkId" = t.id JOIN "SipServer" s ON s.id = ts."serverId"
     WHERE t.id = ANY($1)`,
    [drift.disabled.map((row) => row.id)],
  );
  await registrar.query(
    `INSERT INTO subscriber (username, domain, password, ha1, ha1b)
     SELECT d.username, d.domain, '', d.ha1, d.ha1b FROM unnest($1::text[], $2::text[], $3::text[], $4::text[])
       AS d(username, domain, ha1, ha1b)
     ON CONFLICT (username, domain) DO NOTHING`,
    [
      credentials.map((row) => row.username),
      credentials.map((row) => row.realm),
      credentials.map((row) => row.ha1),
      credentials.map((row) => row.ha1b),
    ],
  );
  await portal.query(`UPDATE "Trunk" SET status = 'DISABLED', "statusReason" = $2 WHERE id = ANY($1)`, [
    drift.disabled.map((row) => row.id),
    DRIFT_REASON,
  ]);
  await portal.query(`UPDATE "TrunkServer" SET ha1 = md5('stale' || "trunkId") WHERE "trunkId" = ANY($1)`, [
    drift.stalePortal.map((row) => row.id),
  ]);
  return drift;
}

/** What is still wrong in the registrar after a reconciliation: zero everywhere when all drift was repaired. */
export async function remainingDrift(registrar: Sql, drift: PlantedDrift) {
  const count = async (text: string, names: string[]) =>
    Number((await registrar.query<{ n: string }>(text, [names])).rows[0]?.n ?? 0);
  return {
    missing: await count(
      `SELECT count(*) AS n FROM unnest($1::text[]) AS u WHERE NOT EXISTS (SELECT 1 FROM subscriber s WHERE s.username = u)`,
      usernames([...drift.deleted, ...drift.stalePortal]),
    ),
    wrongHash: await count(
      `SELECT count(*) AS n FROM subscriber WHERE username = ANY($1) AND ha1 = md5('drift' || username)`,
      usernames(drift.wrongHash),
    ),
    wrongAttribute: await count(
      `SELECT count(*) AS n FROM usr_preferences WHERE username = ANY($1) AND attribute = 'call_limit' AND value = '999'`,
      usernames(drift.wrongAttribute),
    ),
    disabledStillThere: await count(
      "SELECT count(*) AS n FROM subscriber WHERE username = ANY($1)",
      usernames(drift.disabled),
    ),
  };
}
