import type { CallerIdPolicy, DialPermission } from "../generated/prisma/enums";
import { describeCallerId, describeCallLimit, describeDialPermission } from "../trunks/describe";
import { escapeHtml, secretMarker } from "./secrets";

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
export type RenderedMail = { subject: string; text: string; html: string };

/** A message built from paragraphs and labelled values, rendered once as plain text and once as HTML. */
type Block =
  | { p: string }
  | { heading: string }
  | { values: [string, string, { mono?: boolean }?][] }
  | { steps: string[] }
  | { warning: string }
  | { link: { label: string; url: string } };

function render(subject: string, provider: Provider, blocks: Block[]): RenderedMail {
  const footer: Block = {
    p: `Questions? Contact ${provider.providerName} support at ${provider.supportEmail} or ${provider.supportPhone}.`,
  };
  const all = [...blocks, footer];
  const text = all
    .map((block) => {
      if ("p" in block) return block.p;
      if ("heading" in block) return `${block.heading}\n${"-".repeat(block.heading.length)}`;
      if ("values" in block) return block.values.map(([label, value]) => `${label}: ${value}`).join("\n");
      if ("steps" in block) return block.steps.map((step, i) => `${i + 1}. ${step}`).join("\n");
      if ("warning" in block) return `IMPORTANT: ${block.warning}`;
      return `${block.link.label}:\n${block.link.url}`;
    })
    .join("\n\n");
  const html = `<!doctype html><html><body style="font-family:Arial,sans-serif;line-height:1.5;color:#0f172a;max-width:640px">${all
    .map((block) => {
      if ("p" in block) return `<p>${escapeHtml(block.p)}</p>`;
      if ("heading" in block) return `<h2 style="font-size:18px">${escapeHtml(block.heading)}</h2>`;
      if ("values" in block) {
        const rows = block.values
          .map(
            ([label, value, options]) =>
              `<tr><th align="left" style="padding:4px 12px 4px 0">${escapeHtml(label)}</th><td>${
                options?.mono
                  ? `<code style="font-family:Consolas,Menlo,monospace;background:#f1f5f9;padding:2px 6px">${escapeHtml(value)}</code>`
                  : escapeHtml(value)
              }</td></tr>`,
          )
          .join("");
        return `<table>${rows}</table>`;
      }
      if ("steps" in block) return `<ol>${block.steps.map((step) => `<li>${escapeHtml(step)}</li>`).join("")}</ol>`;
      if ("warning" in block) {
        return `<p style="background:#fffbeb;border:1px solid #fcd34d;padding:8px"><strong>Important:</strong> ${escapeHtml(block.warning)}</p>`;
      }
      return `<p><a href="${escapeHtml(block.link.url)}">${escapeHtml(block.link.label)}</a></p>`;
    })
    .join("")}</body></html>`;
  return { subject, text, html };
}

export const CASE_WARNING =
  "The SIP server name is case-sensitive. Enter it exactly as shown - a different casing may still register, but every call will fail. Copy and paste it.";

function trunkValues(trunk: TrunkSummary, password: "link" | "inline"): Block[] {
  return [
    { heading: "Your SIP credentials" },
    {
      values: [
        ...trunk.hostnames.map(
          (host, i) =>
            [trunk.hostnames.length > 1 ? `SIP server ${i + 1}` : "SIP server", host, { mono: true }] as [
              string,
              string,
              { mono: boolean },
            ],
        ),
        ["SIP username", trunk.username, { mono: true }],
        ...(password === "inline"
          ? [["SIP password", secretMarker("password"), { mono: true }] as [string, string, { mono: boolean }]]
          : []),
      ],
    },
    { warning: CASE_WARNING },
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

export function credentialsMail(args: {
  provider: Provider;
  trunk: TrunkSummary;
  portalUrl: string;
  /** "link": the password is behind a one-time link (the `revealUrl` secret); "inline": in the body (`password`). */
  delivery: "link" | "inline";
  contactName: string;
  reason: "new" | "resend" | "reset";
  linkExpiresHours: number;
}): RenderedMail {
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
          { link: { label: "Show my SIP password (one time)", url: secretMarker("revealUrl") } },
        ]
      : [];
  return render(subject, provider, [
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

export function signInMail(args: { provider: Provider; expiresMinutes: number }): RenderedMail {
  return render(`Sign in to ${args.provider.providerName}`, args.provider, [
    { p: `Use the link below to sign in. It works once and expires in ${args.expiresMinutes} minutes.` },
    { link: { label: "Sign in", url: secretMarker("signInUrl") } },
    { p: "If you did not ask to sign in, you can ignore this email." },
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
