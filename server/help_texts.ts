/**
 * The texts HELP (and HELPOP) answers with: one topic per command the server handles, and a few
 * about modes. A unit test checks that every verb of the command table has a topic here, so a
 * new command comes with its help.
 *
 * Each topic's first line is its syntax (sent as RPL_HELPSTART), the rest explain it.
 *
 * @module
 */

/** Topics by upper-case name. */
const TOPICS: Record<string, readonly string[]> = {
  AUTHENTICATE: [
    "AUTHENTICATE <mechanism> | <base64 data> | *",
    "Logs in with SASL before registration ends (CAP REQ sasl first). The mechanism offered is",
    "PLAIN: send AUTHENTICATE PLAIN, then the base64 of \\0account\\0password. * aborts.",
  ],
  AWAY: [
    "AWAY [<message>]",
    "Marks you away with a message others see in WHOIS and when they message you (301).",
    "Without a message, marks you back.",
  ],
  BATCH: [
    "BATCH +<ref> draft/multiline <target> | BATCH -<ref>",
    "Sends one message of several lines (draft/multiline): open the batch, send PRIVMSG or NOTICE",
    "lines tagged batch=<ref> (draft/multiline-concat joins a line to the one before), close it.",
    "At most max-bytes and max-lines, as CAP LS says.",
  ],
  CAP: [
    "CAP LS [302] | LIST | REQ :<capabilities> | END",
    "Negotiates IRCv3 capabilities: LS lists what the server offers, REQ asks for some (ACK or",
    "NAK), LIST shows yours, END finishes registration once negotiation is done.",
  ],
  CHANSERV: [
    "CHANSERV <command> [<parameters>]",
    "Talks to ChanServ, which keeps a registered channel's topic, modes and lists across",
    "restarts: REGISTER <#channel>, DROP <#channel>, INFO <#channel>. Also CS, or a PRIVMSG to",
    "ChanServ. CHANSERV HELP lists its commands.",
  ],
  CHATHISTORY: [
    "CHATHISTORY <LATEST|BEFORE|AFTER|AROUND|BETWEEN|TARGETS> <target> <references> <limit>",
    "Fetches stored messages of a channel you are in or a private conversation of your account",
    "(draft/chathistory). References are timestamp=... or msgid=..., or * for LATEST. TARGETS",
    "lists conversations active between two timestamps.",
  ],
  DLINE: [
    "DLINE [<duration>] <address|CIDR> [CONFIRM] [:<reason>]",
    "Bans an address or range from the server (server operators only): new connections from it",
    "are refused at once with an ERROR line, and connected users from it are disconnected, on",
    "every node. Duration in minutes, or with a unit (30s, 2h, 1d, 1w); 0 or none: permanent.",
    "A range of everyone (0.0.0.0/0, ::/0) needs CONFIRM. STATS d lists them; UNDLINE lifts one.",
  ],
  HELP: [
    "HELP [<topic>]",
    "Shows help on a command or topic; without one, lists the topics. HELPOP is the same.",
  ],
  INFO: ["INFO", "Shows information about the server software."],
  INVITE: [
    "INVITE <nick> <#channel>",
    "Invites a user to a channel you are on. On an invite-only (+i) channel only ops may",
    "invite, and their invite also lets the user past +l and +b.",
  ],
  ISON: ["ISON <nick> [<nick>...]", "Tells which of the given nicks are online."],
  JOIN: [
    "JOIN <#channel>{,<#channel>} [<key>{,<key>}] | JOIN 0",
    "Joins channels, with keys for those with +k. JOIN 0 leaves every channel you are in.",
    "The first to join a new channel becomes its op.",
  ],
  KICK: [
    "KICK <#channel> <nick> [<reason>]",
    "Removes a user from a channel (ops only).",
  ],
  KILL: [
    "KILL <nick> <reason>",
    "Disconnects a user from the network (server operators only).",
  ],
  KLINE: [
    "KLINE [<duration>] <user@host|nick!user@host|$a:account> [CONFIRM] [:<reason>]",
    "Bans matching users from the server (server operators only): they are disconnected, on",
    "every node, and refused with 465 when they register again. Masks take * and ?; the host is",
    "matched against the hostname shown and the address. Duration in minutes, or with a unit",
    "(30s, 2h, 1d, 1w); 0 or none: permanent. A mask matching everyone (*@*) needs CONFIRM.",
    "STATS k lists them; UNKLINE lifts one.",
  ],
  LIST: [
    "LIST [<#channel|mask|condition>{,...}] [<condition>{,...}]",
    "Lists visible channels with their user counts and topics. Filters (ELIST): <n or >n",
    "users, C<n or C>n created less or more than n minutes ago, T<n or T>n topic set less or",
    "more than n minutes ago, a mask such as #chat* and a negated mask such as !#chat*.",
    "Every filter given must hold.",
  ],
  LUSERS: ["LUSERS", "Shows how many users, operators and channels the network has."],
  MARKREAD: [
    "MARKREAD <target> [timestamp=<time>]",
    "Gets or sets how far you have read a conversation (draft/read-marker); every connection",
    "of your account is told.",
  ],
  MODE: [
    "MODE <#channel|nick> [<modestring> [<arguments>...]]",
    "Shows or changes a channel's modes (ops) or your own user modes. Without a modestring it",
    "shows the current modes; a list mode (b, e, I) without a mask shows that list. See HELP",
    "CMODES and HELP UMODES.",
  ],
  CMODES: [
    "Channel modes",
    "+o <nick> op, +v <nick> voice, +b <mask> ban, +e <mask> ban exception (not held by",
    "+b), +I <mask> invite exception (joins +i without an invite), +k <key> key, +l <n> user",
    "limit, +i invite only, +m moderated, +n no messages from outside, +s secret, +t only ops",
    "set the topic. +b m:<mask> mutes: the user may join but not speak. +b, +e and +I",
    "share one limit (MAXLIST); only ops see +e and +I.",
  ],
  REHASH: [
    "REHASH",
    "Operators only: reads the configuration file again (as SIGHUP does) and applies what can",
    "change without a restart: MOTD, opers, password, limits, flood settings, history retention,",
    "web origins and the TLS certificate. A bad file is refused and the old settings stay",
    "(FAIL REHASH INVALID_CONFIG names the file, line and key); a NOTICE names the settings that",
    "need a restart. Applies to this server only (each cluster node has its own file).",
  ],
  UMODES: [
    "User modes",
    "+i invisible, +w receives WALLOPS, +o server operator (set by OPER, removed with",
    "MODE <nick> -o).",
  ],
  METADATA: [
    "METADATA <target> GET <key>… | LIST | SET <key> [<value>] | CLEAR | SYNC, METADATA * SUB <key>… | UNSUB <key>… | SUBS",
    "Reads and sets keys (avatar, display-name, …) on a user (* is you) or a channel (draft/metadata-2).",
    "You set your own keys, channel ops their channel's. SUB names the keys you hear of (METADATA lines)",
    "from users sharing a channel with you and from your channels; limits are in CAP LS.",
  ],
  MONITOR: [
    "MONITOR + <nick>{,<nick>} | - <nick>{,<nick>} | C | L | S",
    "Watches nicks: 730 when one comes online, 731 when it goes. + adds, - removes, C clears,",
    "L lists, S shows the status of each. The list is this connection's, at most MONITOR= nicks.",
  ],
  MOTD: ["MOTD", "Shows the message of the day."],
  NAMES: [
    "NAMES [<#channel>]",
    "Lists the members of a channel with their status prefixes (@ op, + voice).",
  ],
  NICK: ["NICK <nick>", "Sets or changes your nick."],
  NICKSERV: [
    "NICKSERV <command> [<parameters>]",
    "Talks to NickServ, which keeps your nick yours: REGISTER, IDENTIFY, LOGOUT, SET",
    "ALWAYS-ON, INFO, GHOST, DROP. Also NS, or a PRIVMSG to NickServ. NICKSERV HELP lists",
    "its commands.",
  ],
  NOTICE: [
    "NOTICE <target>{,<target>} <text>",
    "Like PRIVMSG, but automatic replies must never answer it.",
  ],
  OPER: [
    "OPER <name> <password>",
    "Makes you a server operator, with the privileges of your class (kill, kline, dline, rehash,",
    "wallops, see-hosts, bypass-limits); a command your class lacks answers 481 naming it.",
  ],
  PART: ["PART <#channel>{,<#channel>} [<reason>]", "Leaves channels."],
  PASS: ["PASS <password>", "Gives the server password, before NICK and USER."],
  PING: ["PING <token>", "Asks the server to answer with PONG and the same token."],
  PONG: ["PONG <token>", "Answers the server's PING."],
  PRIVMSG: [
    "PRIVMSG <target>{,<target>} <text>",
    "Sends a message to a channel, a nick, or the ops and voiced of a channel (@#channel).",
  ],
  QUIT: ["QUIT [<reason>]", "Leaves the network."],
  REDACT: [
    "REDACT <target> <msgid> [<reason>]",
    "Deletes a message (draft/message-redaction): your own for an hour after sending it, any of a",
    "channel you are an operator of. It leaves the stored history too.",
  ],
  REGISTER: [
    "REGISTER <account|*> <email|*> <password>",
    "Creates an account named after your nick and logs you in (draft/account-registration);",
    "no e-mail is needed.",
  ],
  RENAME: [
    "RENAME <#channel> <#new-name> [<reason>]",
    "Renames a channel you are an operator of (draft/channel-rename); it keeps its members, modes,",
    "topic, registration and history. Members without the capability see PART and JOIN.",
  ],
  SEARCH: [
    "SEARCH <attribute=value;...>",
    "Searches the history you may read now (soju.im/search; needs an account): text=, in=,",
    "from=, after=, before=, limit=.",
  ],
  SETNAME: ["SETNAME <realname>", "Changes your real name (setname capability)."],
  STATS: [
    "STATS <k|d>",
    "Lists the server bans in force (server operators only): STATS k the K-lines (216), STATS d",
    "the D-lines (250), each as <mask> <set by> <seconds left, 0: permanent> :<reason>.",
  ],
  TAGMSG: [
    "TAGMSG <target>",
    "Sends only message tags (such as typing notifications) to a channel or nick.",
  ],
  TIME: ["TIME", "Shows the server's time."],
  TOPIC: [
    "TOPIC <#channel> [<topic>]",
    "Shows or sets a channel's topic (ops only on +t channels); an empty topic clears it.",
  ],
  UNDLINE: ["UNDLINE <address|CIDR>", "Lifts a D-line (server operators only)."],
  UNKLINE: ["UNKLINE <mask>", "Lifts a K-line (server operators only)."],
  USER: [
    "USER <username> 0 * <realname>",
    "Gives your username and real name when you connect.",
  ],
  USERHOST: ["USERHOST <nick> [<nick>...]", "Shows the user@host of up to five nicks."],
  VERIFY: [
    "VERIFY <account> <code>",
    "Completes an account registration that needs verification; here none ever does.",
  ],
  VERSION: ["VERSION", "Shows the server's version and what it supports (005)."],
  WALLOPS: [
    "WALLOPS <text>",
    "Sends a message to every user with +w (server operators only).",
  ],
  WHO: [
    "WHO <#channel|mask>",
    "Lists users on a channel, or users matching a mask, with their details.",
  ],
  WEBIRC: [
    "WEBIRC <password> <gateway> <hostname> <ip> [:<flags>]",
    "For trusted web gateways (--webirc), before registration: names the address of the user the",
    "gateway connects for. From any other address, or with a wrong password, the connection ends.",
  ],
  WHOIS: ["WHOIS <nick>", "Shows a user's details, channels, account and idle time."],
  WHOWAS: ["WHOWAS <nick> [<count>]", "Shows who recently used a nick."],
};

/** Verbs that are another's short or old name: they share its topic. */
const ALIASES: Record<string, string> = { CS: "CHANSERV", NS: "NICKSERV", HELPOP: "HELP" };

/** A topic's lines (any case), or undefined when there is no help on it. */
export function helpTopic(name: string): readonly string[] | undefined {
  const upper = name.toUpperCase();
  return Object.hasOwn(TOPICS, upper)
    ? TOPICS[upper]
    : Object.hasOwn(ALIASES, upper)
    ? TOPICS[ALIASES[upper]!]
    : undefined;
}

/** The index HELP shows without a topic: the topics, several to a line. */
export function helpIndex(): string[] {
  const names = Object.keys(TOPICS).sort();
  const lines = ["** Help System **", "", "Try HELP <topic> for one of these:"];
  for (let i = 0; i < names.length; i += 8) lines.push(names.slice(i, i + 8).join(" "));
  return lines;
}
