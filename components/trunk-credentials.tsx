import type { FormState } from "@/lib/actions";
import type { CallerIdPolicy, DialPermission } from "@/lib/generated/prisma/enums";
import { describeCallerId, describeCallLimit, describeDialPermission } from "@/lib/trunks/describe";
import { RevealPassword } from "./reveal-password";
import { Card, CopyableValue, DateTime, DefinitionList, SipServerList } from "./ui";

type TrunkView = {
  id: string;
  username: string;
  passwordChangedAt: Date;
  callLimit: number;
  dialPermission: DialPermission;
  allowedCountries: string[];
  callerIdPolicy: CallerIdPolicy;
  forcedCallerId: string | null;
  servers: { server: { hostname: string } }[];
  dids: { id: string; number: string }[];
};

/** The credentials and settings of a trunk, as staff and the customer both see them. */
export function TrunkCredentials({
  trunk,
  revealAction,
}: {
  trunk: TrunkView;
  revealAction?: (state: FormState, formData: FormData) => Promise<FormState>;
}) {
  return (
    <>
      <Card title="Credentials">
        <DefinitionList
          items={[
            ["SIP server", <SipServerList key="servers" hostnames={trunk.servers.map((s) => s.server.hostname)} />],
            [
              "SIP username",
              <CopyableValue key="user" value={trunk.username} label="SIP username" testId="sip-username" />,
            ],
            [
              "SIP password",
              revealAction ? <RevealPassword key="password" action={revealAction} trunkId={trunk.id} /> : "Hidden",
            ],
            ["Password set", <DateTime key="set" value={trunk.passwordChangedAt} />],
          ]}
        />
      </Card>
      <Card title="Settings">
        <DefinitionList
          items={[
            ["Call limit", describeCallLimit(trunk.callLimit)],
            ["Dial permission", describeDialPermission(trunk.dialPermission, trunk.allowedCountries)],
            ["Outbound caller ID", describeCallerId(trunk.callerIdPolicy, trunk.forcedCallerId)],
            [
              "DIDs",
              trunk.dids.length ? (
                <ul key="dids" className="font-mono">
                  {trunk.dids.map((did) => (
                    <li key={did.id}>{did.number}</li>
                  ))}
                </ul>
              ) : (
                "None"
              ),
            ],
          ]}
        />
      </Card>
    </>
  );
}
