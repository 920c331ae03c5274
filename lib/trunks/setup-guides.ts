import type { CallerIdPolicy, DialPermission } from "../generated/prisma/enums";
import { describeDialPermission } from "./describe";

/**
 * PBX configuration and the expected SIP packets, filled with one trunk's own values. The server hostname is used
 * exactly as stored: its casing matters to the provider. The password is never included — a placeholder stands in.
 */
export type GuideTrunk = {
  username: string;
  hostnames: string[];
  realms: string[];
  dids: string[];
  callerIdPolicy: CallerIdPolicy;
  forcedCallerId: string | null;
};

/** What the troubleshooting topics also explain: the trunk's limits. */
export type HelpTrunk = GuideTrunk & {
  dialPermission: DialPermission;
  allowedCountries: readonly string[];
  callLimit: number;
};

export type Guide = { id: string; title: string; intro: string; snippet: string };

/** A troubleshooting topic: what goes wrong, in the provider's words, and how to fix it. */
export type HelpTopic = { id: string; title: string; paragraphs: string[] };

export const PASSWORD_PLACEHOLDER = "<your SIP password>";
const PBX_IP = "<your PBX public IP>";

const digits = (e164: string) => e164.replace(/^\+/, "");
/** A section name for config files: letters and digits of the username. */
const section = (username: string) => `trunk-${username}`;

export function setupGuides(trunk: GuideTrunk): Guide[] {
  const host = trunk.hostnames[0] ?? "";
  const realm = trunk.realms[0] ?? host;
  const name = section(trunk.username);
  return [
    {
      id: "asterisk",
      title: "Asterisk (PJSIP)",
      intro: "Add to pjsip.conf, then run `pjsip reload`. Incoming calls arrive in the context from-trunk.",
      snippet: `[${name}-auth]
type=auth
auth_type=userpass
username=${trunk.username}
password=${PASSWORD_PLACEHOLDER}

[${name}-aor]
type=aor
contact=sip:${host}:5060

[${name}-registration]
type=registration
outbound_auth=${name}-auth
server_uri=sip:${host}
client_uri=sip:${trunk.username}@${host}
contact_user=${trunk.username}
retry_interval=60
expiration=3600

[${name}]
type=endpoint
context=from-trunk
disallow=all
allow=ulaw,alaw
outbound_auth=${name}-auth
aors=${name}-aor
from_user=${trunk.username}
from_domain=${host}
direct_media=no

[${name}-identify]
type=identify
endpoint=${name}
match=${host}`,
    },
    {
      id: "freepbx",
      title: "FreePBX",
      intro: "Connectivity → Trunks → Add Trunk → Add SIP (chan_pjsip) Trunk, and fill in:",
      snippet: `General → Trunk Name:             ${name}
pjsip Settings → General:
  Username:                        ${trunk.username}
  Auth username:                   ${trunk.username}
  Secret:                          ${PASSWORD_PLACEHOLDER}
  Authentication:                  Outbound
  Registration:                    Send
  SIP Server:                      ${host}
  SIP Server Port:                 5060
  Context:                         from-pstn
pjsip Settings → Advanced:
  From Domain:                     ${host}
  From User:                       ${trunk.username}
  Client URI:                      sip:${trunk.username}@${host}
  Server URI:                      sip:${host}`,
    },
    {
      id: "freeswitch",
      title: "FreeSWITCH",
      intro: `Save as conf/sip_profiles/external/${name}.xml, then \`sofia profile external rescan\`.`,
      snippet: `<include>
  <gateway name="${name}">
    <param name="username" value="${trunk.username}"/>
    <param name="auth-username" value="${trunk.username}"/>
    <param name="password" value="${PASSWORD_PLACEHOLDER}"/>
    <param name="realm" value="${realm}"/>
    <param name="proxy" value="${host}"/>
    <param name="from-user" value="${trunk.username}"/>
    <param name="from-domain" value="${host}"/>
    <param name="register" value="true"/>
    <param name="expire-seconds" value="3600"/>
    <param name="caller-id-in-from" value="true"/>
  </gateway>
</include>`,
    },
    {
      id: "generic",
      title: "Any SIP device",
      intro: "The values every SIP phone, gateway or PBX asks for:",
      snippet: `SIP server / registrar / proxy: ${host}
Port / transport:               5060 / UDP
Username (auth ID, from user):  ${trunk.username}
Password:                       ${PASSWORD_PLACEHOLDER}
Domain / realm:                 ${realm}
Registration:                   enabled, expiry 3600 s`,
    },
  ];
}

/** The seed's "Expected SIP packets": REGISTER, outbound INVITE and inbound INVITE for this trunk. */
export function expectedPackets(trunk: GuideTrunk): Guide[] {
  const host = trunk.hostnames[0] ?? "";
  const realm = trunk.realms[0] ?? host;
  const yourDid = digits(trunk.dids[0] ?? "+19193333333");
  const outside = "19194444444";
  const shownCallerId =
    trunk.callerIdPolicy === "FORCED" && trunk.forcedCallerId ? digits(trunk.forcedCallerId) : yourDid;
  return [
    {
      id: "register",
      title: "REGISTER (from your PBX)",
      intro:
        "Your PBX registers every hour; the first attempt is answered 401 with a challenge, the second carries it.",
      snippet: `REGISTER sip:${host} SIP/2.0
Via: SIP/2.0/UDP ${PBX_IP}:5060;branch=z9hG4bK…
From: <sip:${trunk.username}@${host}>;tag=…
To: <sip:${trunk.username}@${host}>
Contact: <sip:${trunk.username}@${PBX_IP}:5060>
Expires: 3600
Authorization: Digest username="${trunk.username}", realm="${realm}", uri="sip:${host}", nonce="…", response="…"`,
    },
    {
      id: "invite-out",
      title: "INVITE (outbound, from your PBX)",
      intro:
        trunk.callerIdPolicy === "FORCED"
          ? `Whatever caller ID you send, the call leaves with +${shownCallerId}: your trunk's caller ID is fixed to a provider number (911 calls included).`
          : "The From number must be one of your DIDs, or the call is refused (403).",
      snippet: `INVITE sip:${outside}@${host} SIP/2.0
Via: SIP/2.0/UDP ${PBX_IP}:5060;branch=z9hG4bK…
From: "Caller ID Name" <sip:${yourDid}@${host}>;tag=…
To: <sip:${outside}@${host}>
Contact: <sip:${trunk.username}@${PBX_IP}:5060>
Proxy-Authorization: Digest username="${trunk.username}", realm="${realm}", uri="sip:${outside}@${host}", nonce="…", response="…"`,
    },
    {
      id: "invite-in",
      title: "INVITE (inbound, to your PBX)",
      intro: `A call to your number +${yourDid} reaches the address your PBX registered from.`,
      snippet: `INVITE sip:${trunk.username}@${PBX_IP}:5060 SIP/2.0
Via: SIP/2.0/UDP ${host};branch=z9hG4bK…
From: "Caller ID Name" <sip:${outside.slice(1)}@${host}>;tag=…
To: <sip:+${yourDid}@${host}>
Contact: <sip:${host}>`,
    },
  ];
}

/**
 * Troubleshooting, in the provider's words. Each topic has a stable id: the packet check and the call records link to
 * the topic that fixes what they found (`#help-<id>` on the trunk page).
 */
export function troubleshooting(trunk: HelpTrunk): HelpTopic[] {
  const host = trunk.hostnames[0] ?? "";
  return [
    {
      id: "server-name",
      title: "Use the server name exactly as written",
      paragraphs: [
        `Our server name is case-sensitive: use ${trunk.hostnames.join(" or ")} exactly, in the SIP server, proxy, registrar, From domain and outbound proxy fields. Copy and paste it rather than typing it.`,
        `A PBX configured with another casing (for example ${host.toLowerCase()}) may still register, but every call is refused with "404 Wrong server name casing, use ${host}". Emergency calls are never refused for it.`,
      ],
    },
    {
      id: "credentials",
      title: "Username and password",
      paragraphs: [
        `Use ${trunk.username} as the username, authentication ID and From user, and the password exactly as shown (copy and paste it). The realm is ${trunk.realms.join(" or ")}; most PBXs take it from our challenge.`,
        "After every change to your trunk our portal registers with these credentials itself and shows the result on this page. If it says the credentials are verified and your PBX still gets 401 or 403, the PBX is sending something else: check for spaces and for an old password.",
        "A PBX that does not answer our 401/407 challenge with an Authorization header has no password configured, or has authentication limited to one direction: enable outbound authentication and registration.",
      ],
    },
    {
      id: "number-format",
      title: "How to dial",
      paragraphs: [
        "Send the number you dial in E.164 (+ and the country code, e.g. +442071234567), as 1 + 10 digits (19195551234), as 10 digits (9195551234) for North America, or with 011 for international. Emergency calls go to 911 exactly.",
        "Do not send an outside-line prefix (the 9 many offices dial first): strip it in the PBX's outbound route. Anything else is refused with 403 Invalid Destination.",
      ],
    },
    {
      id: "dial-permission",
      title: "Where this trunk may call",
      paragraphs: [
        `${describeDialPermission(trunk.dialPermission, trunk.allowedCountries)} Calls elsewhere are refused with "403 Forbidden (Destination Not Permitted)". Ask us to open more destinations.`,
      ],
    },
    {
      id: "caller-id",
      title: "Caller ID",
      paragraphs: [
        trunk.callerIdPolicy === "FORCED"
          ? `Every outbound call shows ${trunk.forcedCallerId ?? "a provider number"}, whatever your PBX sends: this trunk's caller ID is fixed (so is 911's).`
          : `Send one of your own numbers (${trunk.dids.join(", ") || "none yet"}) as the caller ID (From user); other caller IDs are refused with "403 Forbidden (Caller ID)".`,
      ],
    },
    {
      id: "call-limit",
      title: "Concurrent calls",
      paragraphs: [
        `This trunk carries ${trunk.callLimit} calls at once, inbound and outbound together. One more is refused with "486 Busy Here (call limit)" until a call ends. Emergency calls always go through.`,
      ],
    },
    {
      id: "nat",
      title: "PBX behind NAT (private addresses)",
      paragraphs: [
        "If your PBX has a private address (10.x, 172.16-31.x, 192.168.x), tell it its public address: in Asterisk PJSIP set external_media_address and external_signaling_address and local_net; in FreeSWITCH set ext-rtp-ip and ext-sip-ip. Enable rport.",
        "Our servers answer where your packets come from, but they do not relay audio: a private address in the SDP (c=) line means one-way or no audio.",
      ],
    },
    {
      id: "transport",
      title: "Transport and port",
      paragraphs: [
        `Use UDP (or TCP) to port 5060 of ${host}. TLS (sips:, port 5061) and WebSocket are not offered; do not put another port in the server address.`,
      ],
    },
    {
      id: "fraud-guard",
      title: "Fraud protection limits",
      paragraphs: [
        'Some trunks have limits on calls per second, calls per day or minutes per day, and some destinations are blocked for everyone. A call over a limit is refused ("503 … Calls Per Second Limit", "403 … Daily Call Limit", "403 … Destination Blocked").',
        "Reaching a daily limit suspends outbound calls on the trunk to protect you from toll fraud, and we email you. Inbound calls and 911 keep working; contact support to resume.",
      ],
    },
    {
      id: "codecs",
      title: "Codecs",
      paragraphs: ["Offer G.711 (PCMU and PCMA). A call whose offer has no codec in common is refused with 488."],
    },
    {
      id: "service",
      title: "503 and other server errors",
      paragraphs: [
        "A 503 or other 5xx answer means our service or the carrier could not take the call right now. If it lasts more than a few minutes, contact support with the time of the call.",
      ],
    },
  ];
}
