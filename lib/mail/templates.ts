import { randomUUID } from "node:crypto";
import type { CallerIdPolicy, DialPermission } from "../generated/prisma/enums";
import { describeCallerId, describeCallLimit, describeDialPermission } from "../trunks/describe";
import { CASE_WARNING } from "../trunks/server-name-warning";
import { LOGO_CID } from "./logo";
import { escapeHtml, isSecretSlot, type MailBody, mailBody, type SecretSlot, secret } from "./secrets";

export type Provider = { providerName: string; supportEmail: string; supportPhone: string };
export type TrunkSummary = {
  username: string;
  hostnames: string[];
  callLimit: number;
  dialPermission: DialPermission;
  allowedCountries: string[];
  callerIdPolicy: CallerIdPolicy;
  forcedCallerId: string | null;
  dids: string[];
};
/** Bodies keep their secrets as slots (lib/mail/secrets.ts): user text in them is only ever text. */
export type RenderedMail = { subject: string; text: MailBody; html: MailBody };

/** Text, or the place of a secret. */
type Value = string | SecretSlot;
type Part = string | SecretSlot;

/** A message built from paragraphs and labelled values, rendered once as plain text and once as HTML. */
type Block =
  | { p: string }
  | { heading: string }
  | { values: [string, Value, { mono?: boolean }?][] }
  | { steps: string[] }
  | { warning: string }
  | { link: { label: string; url: Value } };

const html = (value: Value): Part => (isSecretSlot(value) ? value : escapeHtml(value));

function textOf(block: Block): Part[] {
  if ("p" in block) return [block.p];
  if ("heading" in block) return [`${block.heading}\n${"-".repeat(block.heading.length)}`];
  if ("values" in block) return block.values.flatMap(([label, value], i) => [i ? "\n" : "", `${label}: `, value]);
  if ("steps" in block) return [block.steps.map((step, i) => `${i + 1}. ${step}`).join("\n")];
  if ("warning" in block) return [`IMPORTANT: ${block.warning}`];
  return [`${block.link.label}:\n`, block.link.url];
}

function htmlOf(block: Block): Part[] {
  if ("p" in block) return [`<p>${escapeHtml(block.p)}</p>`];
  if ("heading" in block) return [`<h2 style="font-size:18px">${escapeHtml(block.heading)}</h2>`];
  if ("values" in block) {
    return [
      "<table>",
      ...block.values.flatMap(([label, value, options]) => [
        `<tr><th align="left" style="padding:4px 12px 4px 0">${escapeHtml(label)}</th><td>`,
        ...(options?.mono
          ? [
              '<code style="font-family:Consolas,Menlo,monospace;background:#f1f5f9;padding:2px 6px">',
              html(value),
              "</code>",
            ]
          : [html(value)]),
        "</td></tr>",
      ]),
      "</table>",
    ];
  }
  if ("steps" in block) return [`<ol>${block.steps.map((step) => `<li>${escapeHtml(step)}</li>`).join("")}</ol>`];
  if ("warning" in block) {
    return [
      `<p style="background:#fffbeb;border:1px solid #fcd34d;padding:8px"><strong>Important:</strong> ${escapeHtml(block.warning)}</p>`,
    ];
  }
  return ['<p><a href="', html(block.link.url), `">${escapeHtml(block.link.label)}</a></p>`];
}

/** A message before its bodies are joined: text and slots in order. */
type RenderedParts = { subject: string; text: Part[]; html: Part[] };

function render(subject: string, provider: Provider, blocks: Block[]): RenderedMail {
  const parts = renderParts(subject, provider, blocks);
  return { subject, text: mailBody(parts.text), html: mailBody(parts.html) };
}

function renderParts(subject: string, provider: Provider, blocks: Block[]): RenderedParts {
  const footer: Block = {
    p: `Questions? Contact ${provider.providerName} support at ${provider.supportEmail} or ${provider.supportPhone}.`,
  };
  const all = [...blocks, footer];
  const text = all.flatMap((block, i) => [i ? "\n\n" : "", ...textOf(block)]);
  const body = [
    // A language and a title (the subject) for screen readers; long words (an IPv6 address, a URL) wrap on a phone
    // rather than widening the message past the screen. The message is drawn in light colours only, its background
    // included: a mail client in dark mode that honours color-scheme leaves it as it is, instead of darkening the
    // background under the dark text (or the amber warning) it would then fail to lighten.
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta name="color-scheme" content="light"><meta name="supported-color-schemes" content="light"><title>${escapeHtml(subject)}</title></head>`,
    '<body style="font-family:Arial,sans-serif;line-height:1.5;color:#0f172a;background:#ffffff;max-width:640px;overflow-wrap:anywhere;word-break:break-word">',
    // The logo travels inside the message (lib/mail/logo.ts) and says nothing the text beside it does not: a client
    // that blocks or cannot show images loses nothing.
    `<p style="margin:0 0 16px 0"><img src="cid:${LOGO_CID}" width="32" height="32" alt="" style="vertical-align:middle;border:0"> <strong style="font-size:18px;vertical-align:middle">${escapeHtml(provider.providerName)}</strong></p>`,
    ...all.flatMap(htmlOf),
    "</body></html>",
  ];
  return { subject, text, html: body };
}

function trunkValues(trunk: TrunkSummary, password: "link" | "inline"): Block[] {
  return [
    { heading: "Your SIP credentials" },
    {
      values: [
        ...trunk.hostnames.map(
          (host, i) =>
            [trunk.hostnames.length > 1 ? `SIP server ${i + 1}` : "SIP server", host, { mono: true }] as [
              string,
              Value,
              { mono: boolean },
            ],
        ),
        ["SIP username", trunk.username, { mono: true }],
        ...(password === "inline"
          ? [["SIP password", secret("password"), { mono: true }] as [string, Value, { mono: boolean }]]
          : []),
      ],
    },
    { warning: `${CASE_WARNING.headline} ${CASE_WARNING.detail}` },
    { heading: "Your trunk's settings" },
    {
      values: [
        ["Call limit", describeCallLimit(trunk.callLimit)],
        ["Dialing", describeDialPermission(trunk.dialPermission, trunk.allowedCountries)],
        ["Outbound caller ID", describeCallerId(trunk.callerIdPolicy, trunk.forcedCallerId)],
        ["Your numbers (DIDs)", trunk.dids.join(", ") || "none yet"],
      ],
    },
  ];
}

function setupSteps(trunk: TrunkSummary, portalUrl: string): Block[] {
  return [
    { heading: "Setting up your PBX" },
    {
      steps: [
        `Create a SIP trunk with registration. Server / registrar / outbound proxy: ${trunk.hostnames[0]} (exactly this casing).`,
        `Use ${trunk.username} as the username, authentication user and "from user", and the password above.`,
        "Enable outbound registration; use UDP port 5060 unless told otherwise.",
        "Route outbound calls to the trunk in E.164 or 10-digit US format, and inbound calls from your DIDs to your extensions.",
        `Ready-made settings for Asterisk, FreePBX and FreeSWITCH are in the customer portal: ${portalUrl}/portal`,
      ],
    },
  ];
}

type CredentialsMailArgs = {
  provider: Provider;
  trunk: TrunkSummary;
  portalUrl: string;
  /** "link": the password is behind a one-time link (the `revealUrl` secret); "inline": in the body (`password`). */
  delivery: "link" | "inline";
  contactName: string;
  reason: "new" | "resend" | "reset";
  linkExpiresHours: number;
};

/**
 * The credentials email of one trunk. A burst of new trunks differs only in usernames and contact names, so the
 * message is rendered once per everything else (a template, kept per process) with a marker in place of each of the
 * two, and each trunk's values are put in place of the markers: as text in the text body and subject, escaped in
 * the HTML body, exactly where and how rendering them directly would put them. The markers carry a random nonce, and
 * values are put in after the template is split at them, so no value (nor provider text) can act as one.
 */
export function credentialsMail(args: CredentialsMailArgs): RenderedMail {
  const { contactName, trunk, provider } = args;
  const { username } = trunk;
  // Everything the message says but the two marked values (callers may pass rows with more fields). Typed as the
  // whole types: a field added to TrunkSummary or Provider fails to compile here until the key includes it.
  const templateTrunk: Omit<TrunkSummary, "username"> = {
    hostnames: trunk.hostnames,
    callLimit: trunk.callLimit,
    dialPermission: trunk.dialPermission,
    allowedCountries: trunk.allowedCountries,
    callerIdPolicy: trunk.callerIdPolicy,
    forcedCallerId: trunk.forcedCallerId,
    dids: trunk.dids,
  };
  const templateProvider: Provider = {
    providerName: provider.providerName,
    supportEmail: provider.supportEmail,
    supportPhone: provider.supportPhone,
  };
  const key = JSON.stringify([
    templateProvider,
    [args.portalUrl, args.delivery, args.reason, args.linkExpiresHours],
    templateTrunk,
  ]);
  let template = credentialsTemplates.get(key);
  if (!template) {
    if (credentialsTemplates.size >= MAX_TEMPLATES) credentialsTemplates.clear();
    const parts = renderCredentialsMail({
      ...args,
      contactName: MARKER.contactName,
      trunk: { ...trunk, username: MARKER.username },
    });
    template = {
      subject: atMarkers(parts.subject),
      text: parts.text.flatMap(atMarkers),
      html: parts.html.flatMap(atMarkers),
    };
    credentialsTemplates.set(key, template);
  }
  const values: Record<MarkedField, string> = { contactName, username };
  const fill = (parts: TemplatePart[], encode: (value: string) => string) =>
    parts.map((part) => (typeof part === "object" && "field" in part ? encode(values[part.field]) : part));
  return {
    subject: fill(template.subject, (value) => value).join(""),
    text: mailBody(fill(template.text, (value) => value)),
    html: mailBody(fill(template.html, escapeHtml)),
  };
}

type MarkedField = "contactName" | "username";
type TemplatePart = Part | { field: MarkedField };
const MARKER_NONCE = randomUUID();
const MARKER: Record<MarkedField, string> = {
  contactName: `\u0000${MARKER_NONCE}:contactName\u0000`,
  username: `\u0000${MARKER_NONCE}:username\u0000`,
};
const MARKERS = new RegExp(`(\u0000${MARKER_NONCE}:(?:contactName|username)\u0000)`);
/** Templates kept per process; the settings of trunks vary little, but a bound keeps odd ones from piling up. */
const MAX_TEMPLATES = 100;
const credentialsTemplates = new Map<string, { subject: TemplatePart[]; text: TemplatePart[]; html: TemplatePart[] }>();

/** A template's part split at its markers. */
function atMarkers(part: Part): TemplatePart[] {
  if (typeof part !== "string") return [part];
  return part
    .split(MARKERS)
    .flatMap((piece): TemplatePart[] =>
      piece === MARKER.contactName
        ? [{ field: "contactName" }]
        : piece === MARKER.username
          ? [{ field: "username" }]
          : piece
            ? [piece]
            : [],
    );
}

function renderCredentialsMail(args: CredentialsMailArgs): RenderedParts {
  const { provider, trunk, delivery } = args;
  const subject =
    args.reason === "reset" ? `Your SIP password was reset (${trunk.username})` : "Your SIP trunk is ready";
  const intro =
    args.reason === "reset"
      ? `Hello ${args.contactName}, the SIP password of trunk ${trunk.username} was reset. The old password no longer works; update your PBX with the new one.`
      : `Hello ${args.contactName}, your ${provider.providerName} SIP trunk is set up. Here is everything your PBX needs.`;
  const passwordBlocks: Block[] =
    delivery === "link"
      ? [
          {
            p: `For your security the password is not in this email. Open the link below to see it once; it works a single time and expires in ${args.linkExpiresHours} hours. You can also see it any time by signing in at ${args.portalUrl}/portal.`,
          },
          { link: { label: "Show my SIP password (one time)", url: secret("revealUrl") } },
        ]
      : [];
  return renderParts(subject, provider, [
    { p: intro },
    ...trunkValues(trunk, delivery),
    ...passwordBlocks,
    ...setupSteps(trunk, args.portalUrl),
  ]);
}

export function trunkStatusMail(args: {
  provider: Provider;
  username: string;
  contactName: string;
  status: "ACTIVE" | "DISABLED";
  reason: string | null;
}): RenderedMail {
  const disabled = args.status === "DISABLED";
  return render(
    disabled ? `Your SIP trunk ${args.username} was disabled` : `Your SIP trunk ${args.username} is enabled again`,
    args.provider,
    [
      {
        p: disabled
          ? `Hello ${args.contactName}, SIP trunk ${args.username} was disabled. Your PBX can no longer register or place calls on it.`
          : `Hello ${args.contactName}, SIP trunk ${args.username} is enabled again. Your PBX can register and place calls with its existing settings.`,
      },
      ...(args.reason ? [{ values: [["Reason", args.reason]] } as Block] : []),
    ],
  );
}

export function demoExpiringMail(args: {
  provider: Provider;
  contactName: string;
  company: string;
  expiresAt: Date;
}): RenderedMail {
  const when = args.expiresAt.toUTCString();
  return render(`Your ${args.provider.providerName} demo ends soon`, args.provider, [
    {
      p: `Hello ${args.contactName}, the demo account for ${args.company} ends on ${when}. After that its SIP trunks stop working. Contact your sales representative to keep your service.`,
    },
  ]);
}

export function demoEndedMail(args: {
  provider: Provider;
  contactName: string;
  company: string;
  usernames: string[];
}): RenderedMail {
  return render(`Your ${args.provider.providerName} demo has ended`, args.provider, [
    {
      p: `Hello ${args.contactName}, the demo account for ${args.company} has ended and its SIP trunks were disabled: your PBX can no longer register or place calls on them. Contact your sales representative to extend the demo or to keep your service; your settings are kept.`,
    },
    ...(args.usernames.length ? [{ values: [["Disabled trunks", args.usernames.join(", ")]] } as Block] : []),
  ]);
}

export function demoExtendedMail(args: {
  provider: Provider;
  contactName: string;
  company: string;
  expiresAt: Date;
}): RenderedMail {
  return render(`Your ${args.provider.providerName} demo was extended`, args.provider, [
    {
      p: `Hello ${args.contactName}, the demo account for ${args.company} now ends on ${args.expiresAt.toUTCString()}. Its SIP trunks work until then, with the same credentials and settings.`,
    },
  ]);
}

export function demoConvertedMail(args: {
  provider: Provider;
  contactName: string;
  company: string;
  usernames: string[];
  policy: {
    callLimit: number;
    dialPermission: DialPermission;
    allowedCountries: string[];
    callerIdPolicy: CallerIdPolicy;
    forcedCallerId: string | null;
  };
}): RenderedMail {
  const { policy } = args;
  return render(`Welcome to ${args.provider.providerName}: your account is active`, args.provider, [
    {
      p: `Hello ${args.contactName}, the demo account for ${args.company} is now a full account. Your SIP trunks keep their credentials and work with these settings.`,
    },
    {
      values: [
        ["Trunks", args.usernames.join(", ") || "none yet"],
        ["Call limit", describeCallLimit(policy.callLimit)],
        ["Dialing", describeDialPermission(policy.dialPermission, policy.allowedCountries)],
        ["Outbound caller ID", describeCallerId(policy.callerIdPolicy, policy.forcedCallerId)],
      ],
    },
  ]);
}

export function signInMail(args: { provider: Provider; expiresMinutes: number }): RenderedMail {
  return render(`Sign in to ${args.provider.providerName}`, args.provider, [
    { p: `Use the link below to sign in. It works once and expires in ${args.expiresMinutes} minutes.` },
    { link: { label: "Sign in", url: secret("signInUrl") } },
    { p: "If you did not ask to sign in, you can ignore this email." },
  ]);
}

export function passwordResetMail(args: { provider: Provider; expiresMinutes: number; forced: boolean }): RenderedMail {
  return render("Reset your Trunk Portal password", args.provider, [
    {
      p: args.forced
        ? "An administrator asked you to choose a new password for Trunk Portal. Your old password no longer works."
        : "Someone (we hope you) asked to reset your Trunk Portal password.",
    },
    {
      p: `Use the link below to choose a new password. It works once and expires in ${args.expiresMinutes} minutes.`,
    },
    { link: { label: "Choose a new password", url: secret("resetUrl") } },
    ...(args.forced ? [] : [{ p: "If you did not ask for this, ignore this email: your password stays as it is." }]),
  ]);
}

/** To the customer and to support: a daily cap was crossed and outbound calling is suspended until staff lift it. */
export function outboundSuspendedMail(args: {
  provider: Provider;
  username: string;
  company: string;
  reason: string;
  audience: "customer" | "support";
}): RenderedMail {
  const intro =
    args.audience === "customer"
      ? `SIP trunk ${args.username} reached its ${args.reason}, so we have suspended its outbound calls to protect you from fraud. Inbound calls and 911 still work. Contact support to resume outbound calling.`
      : `SIP trunk ${args.username} of ${args.company} reached its ${args.reason}. Outbound calling is suspended until staff lift it on the trunk's page.`;
  return render(`Outbound calls suspended on SIP trunk ${args.username}`, args.provider, [{ p: intro }]);
}

/** To support: one username's failed authentications crossed the burst threshold (lib/trunks/auth-failures.ts). */
export function authFailureBurstMail(args: {
  provider: Provider;
  username: string;
  company: string;
  failures: number;
  minutes: number;
  sources: string[];
  trunkUrl: string;
}): RenderedMail {
  const addresses = `${args.sources.length} ${args.sources.length === 1 ? "address" : "addresses"}`;
  return render(`${args.failures} failed authentications on SIP trunk ${args.username}`, args.provider, [
    {
      p: `Our SIP registrar refused ${args.failures} authentications for trunk ${args.username} of ${args.company} in ${args.minutes} minutes, from ${addresses}. Someone may be guessing its password, or a PBX is still using an old one.`,
    },
    {
      values: [
        ["SIP username", args.username, { mono: true }],
        ["Customer", args.company],
        ["Source addresses", args.sources.join(", ") || "unknown"],
      ],
    },
    {
      p: "Each address is banned for a while after repeated failures, but an attack spread over many addresses gets past that. If the customer changed nothing, reset the trunk's SIP password and tell them; block the addresses at the firewall if it goes on. This is the only email for this burst: the trunk page shows it while it lasts.",
    },
    { link: { label: "Open the trunk", url: args.trunkUrl } },
  ]);
}

export function invitationMail(args: {
  provider: Provider;
  inviterName: string;
  company: string;
  portalUrl: string;
  expiresHours: number;
}): RenderedMail {
  return render(`${args.inviterName} invited you to ${args.company}'s SIP trunks`, args.provider, [
    {
      p: `${args.inviterName} invited you to the ${args.provider.providerName} customer portal of ${args.company}: there you see the account's SIP trunks, their settings and setup help, and whether each PBX is registered.`,
    },
    {
      p: `Use the link below to sign in. It works once and expires in ${args.expiresHours} hours; after that, ask for a new sign-in link at ${args.portalUrl}/portal/sign-in with this email address.`,
    },
    { link: { label: "Sign in to the customer portal", url: secret("signInUrl") } },
    { p: `If you do not know ${args.inviterName} or ${args.company}, you can ignore this email.` },
  ]);
}
