/**
 * One registrar for a test file: a fresh registrar database (schema from ensureRegistrarSchema), the SQL adapter
 * over it, and the reference Kamailio reading it, with SIPp helpers bound to that Kamailio.
 */
import { expect } from "vitest";
import { createKamailioSqlRegistrar } from "../../lib/registrar/kamailio-sql";
import { ensureRegistrarSchema } from "../../lib/registrar/schema";
import type { Registrar } from "../../lib/registrar/types";
import { createTestDatabase } from "./database";
import { type KamailioInstance, type KamailioOptions, startKamailio } from "./kamailio";
import { type CallsOptions, removeSippArtifacts, sippCalls, startUas } from "./sipp";

export type RegistrarEnvironment = {
  databaseUrl: string;
  registrar: Registrar;
  kamailio: KamailioInstance;
  /**
   * Calls from a trunk through Kamailio; a carrier UAS on CARRIER answers the `expectedAtCarrier` calls that get
   * through (and must see their ACK and BYE, i.e. the whole call went through the proxy).
   */
  callThroughCarrier(
    options: Omit<CallsOptions, "proxyPort">,
    expectedAtCarrier: number,
  ): Promise<Awaited<ReturnType<typeof sippCalls>> & { invites: { requestUri: string; from: string }[] }>;
  stop(): Promise<void>;
};

export async function startRegistrarEnvironment(
  options: { realm: string } & Pick<KamailioOptions, "defines"> & { databaseUrl?: string },
): Promise<RegistrarEnvironment> {
  const databaseUrl = options.databaseUrl ?? (await createTestDatabase("registrar"));
  await ensureRegistrarSchema(databaseUrl);
  const registrar = createKamailioSqlRegistrar(databaseUrl);
  // Every PBX here is 127.0.0.1 and many attempts fail on purpose: keep the ban and flood limits out of the way
  // unless a test sets them.
  const kamailio = await startKamailio({
    databaseUrl,
    realm: options.realm,
    defines: { BAN_FAILS: 10_000, PIKE_DENSITY: 100_000, ...options.defines },
  });
  return {
    databaseUrl,
    registrar,
    kamailio,
    async callThroughCarrier(callOptions, expectedAtCarrier) {
      const carrier =
        expectedAtCarrier > 0 ? await startUas({ port: kamailio.carrierPort, calls: expectedAtCarrier }) : null;
      try {
        const result = await sippCalls({ proxyPort: kamailio.sipPort, ...callOptions });
        const received = carrier ? await carrier.done : null;
        if (received) expect(received.run.exitCode, `carrier UAS failed, see ${received.run.dir}`).toBe(0);
        return { ...result, invites: received?.invites ?? [] };
      } finally {
        carrier?.stop();
      }
    },
    async stop() {
      await kamailio.stop();
      await registrar.close();
      removeSippArtifacts();
    },
  };
}
