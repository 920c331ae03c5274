import type { ReactNode } from "react";
import { getDb } from "@/lib/db";
import { env } from "@/lib/env";
import { getRegistrar } from "@/lib/registrar";
import {
  type LocalSipRegistrar,
  localSipRegistrar,
  type RegistrarConnection,
  referenceKamailioCommand,
  registrarConnection,
  registrarHealth,
} from "@/lib/registrar/connection";
import { defaultSipServer } from "@/lib/servers";
import { Alert, Badge, Card, CopyableValue, DefinitionList } from "./ui";

const code = "rounded bg-muted px-1 font-mono text-sm break-all";

function Where({ connection }: { connection: RegistrarConnection }) {
  if (connection.adapter === "http") {
    return (
      <>
        Signed HTTP API at <code className={code}>{connection.url}</code>
      </>
    );
  }
  return (
    <>
      PostgreSQL <code className={code}>{`${connection.host}:${connection.port}`}</code>, database{" "}
      <code className={code}>{connection.database}</code>, as role <code className={code}>{connection.role}</code>
    </>
  );
}

function LocalRegistrar({ local, portalRealm }: { local: LocalSipRegistrar; portalRealm: string | null }) {
  if (local.state === "not-installed") {
    return local.installCommand ? (
      <p>
        <Badge color="amber">Not running</Badge> Kamailio is not installed on this machine. Install it, then restart{" "}
        <code className={code}>npm start</code>: <CopyableValue value={local.installCommand} label="install command" />
      </p>
    ) : (
      <p>
        <Badge color="amber">Not running</Badge> Kamailio has been installed since the portal started: restart{" "}
        <code className={code}>npm start</code> to run it.
      </p>
    );
  }
  if (local.state === "not-answering") {
    return (
      <p data-testid="local-registrar">
        <Badge color="red">Not answering</Badge> <code className={code}>{local.address}</code>. The portal restarts it
        when it stops; the reason is in its start-up output and in <code className={code}>kamailio/kamailio.log</code>{" "}
        under the data folder.
      </p>
    );
  }
  return (
    <div data-testid="local-registrar">
      <p>
        <Badge color="green">Answers</Badge> <code className={code}>{local.address}</code>, realm{" "}
        <code className={code}>{local.realm ?? "?"}</code>
      </p>
      {portalRealm && local.realm !== portalRealm ? (
        <Alert tone="warning" role="alert" className="mt-2">
          The default SIP server&apos;s realm is <code className={code}>{portalRealm}</code>, so new passwords are
          hashed for it. The portal restarts Kamailio with that realm within seconds; reload this page to check.
        </Alert>
      ) : null}
    </div>
  );
}

/** How the portal reaches its registrar, whether it answers, and how to run the reference Kamailio against it. */
export async function RegistrarConnectionCards() {
  const config = env();
  const connection = registrarConnection(config);
  if (!connection) return null;
  const [health, local, server] = await Promise.all([
    registrarHealth(getRegistrar()),
    localSipRegistrar(config),
    defaultSipServer(getDb()),
  ]);
  const reference = connection.adapter === "sql" && server ? referenceKamailioCommand(connection, server.realm) : null;
  const items: [ReactNode, ReactNode][] = [
    ["Adapter", connection.adapter === "sql" ? "Kamailio database (SQL)" : "HTTP API"],
    ["Provisions into", <Where key="where" connection={connection} />],
    [
      "Status",
      <span key="status" data-testid="registrar-health">
        {health.answers ? (
          <>
            <Badge color="green">Answers</Badge> in {health.ms} ms
          </>
        ) : (
          <>
            <Badge color="red">Not answering</Badge> {health.error}
          </>
        )}
      </span>,
    ],
    [
      "Live registrations",
      <span key="live" data-testid="live-registrations">
        {health.answers ? (health.liveRegistrations ?? "not reported by the registrar") : "unknown"}
      </span>,
    ],
  ];
  if (local) {
    items.push([
      "SIP registrar run by npm start",
      <LocalRegistrar key="local" local={local} portalRealm={server?.realm ?? null} />,
    ]);
  }
  return (
    <>
      <Card title="Connection">
        <DefinitionList items={items} />
        {connection.adapter === "sql" && local ? (
          <p className="mt-4 text-sm text-muted-foreground">
            The portal provisions as the database&apos;s owner; Kamailio connects as its own role,{" "}
            <code className={code}>kamailio</code>, which can only read credentials and attributes and write
            registrations. Both passwords are generated into <code className={code}>secrets.json</code> in the data
            folder.
          </p>
        ) : null}
      </Card>
      {reference ? (
        <Card title="Run the reference Kamailio on another machine">
          <p className="text-sm text-muted-foreground">
            On a Debian machine with <code className={code}>kamailio kamailio-postgres-modules</code> installed, from a
            checkout of this repository, set <code className={code}>SIP_IP</code> to that machine&apos;s address and{" "}
            <code className={code}>KAMAILIO_DB_PASSWORD</code> to the password of the{" "}
            <code className={code}>kamailio</code> role
            {local ? (
              <>
                {" "}
                (<code className={code}>KAMAILIO_DB_PASSWORD</code> in this portal&apos;s{" "}
                <code className={code}>secrets.json</code>)
              </>
            ) : null}
            , then run:
          </p>
          <ol className="mt-3 list-decimal space-y-3 pl-5 text-sm">
            {reference.tunnel ? (
              <li>
                The database listens on this machine&apos;s loopback only: forward its port first.
                <br />
                <CopyableValue value={reference.tunnel} label="tunnel command" testId="reference-tunnel" />
              </li>
            ) : null}
            <li>
              <CopyableValue value={reference.command} label="Kamailio command" testId="reference-command" />
            </li>
          </ol>
          <p className="mt-3 text-sm text-muted-foreground">
            Outbound calls also need <code className={code}>{`-A 'CARRIER="sip:<carrier IP>:5060"'`}</code>; every
            option is in <code className={code}>registrar/kamailio/README.md</code>.
          </p>
        </Card>
      ) : null}
    </>
  );
}
