/**
 * The full command table: every verb the server understands, one module per topic.
 *
 * @module
 */

import type { CommandSpec, CommandTable } from "../command_table.ts";
import { accountRegistrationCommands } from "./account_registration.ts";
import { awayCommands } from "./away.ts";
import { banCommands } from "./bans.ts";
import { batchCommands } from "./batch.ts";
import { capCommands } from "./cap.ts";
import { chathistoryCommands } from "./chathistory.ts";
import { helpCommands } from "./help.ts";
import { inviteCommands } from "./invite.ts";
import { joinCommands } from "./join.ts";
import { kickCommands } from "./kick.ts";
import { listCommands } from "./list.ts";
import { markreadCommands } from "./markread.ts";
import { metadataCommands } from "./metadata.ts";
import { modeCommands } from "./mode.ts";
import { monitorCommands } from "./monitor.ts";
import { namesCommands } from "./names.ts";
import { operCommands } from "./oper.ts";
import { partCommands } from "./part.ts";
import { pingCommands } from "./ping.ts";
import { privmsgCommands } from "./privmsg.ts";
import { quitCommands } from "./quit.ts";
import { redactCommands } from "./redact.ts";
import { registrationCommands } from "./registration.ts";
import { renameCommands } from "./rename.ts";
import { saslCommands } from "./sasl.ts";
import { searchCommands } from "./search.ts";
import { serverQueryCommands } from "./server_queries.ts";
import { serviceCommands } from "./services.ts";
import { setnameCommands } from "./setname.ts";
import { topicCommands } from "./topic.ts";
import { userhostCommands } from "./userhost.ts";
import { webircCommands } from "./webirc.ts";
import { whoCommands } from "./who.ts";
import { whoisCommands } from "./whois.ts";

const groups: Record<string, CommandSpec>[] = [
  accountRegistrationCommands,
  awayCommands,
  banCommands,
  batchCommands,
  capCommands,
  chathistoryCommands,
  helpCommands,
  inviteCommands,
  joinCommands,
  kickCommands,
  listCommands,
  markreadCommands,
  metadataCommands,
  modeCommands,
  monitorCommands,
  namesCommands,
  operCommands,
  partCommands,
  pingCommands,
  privmsgCommands,
  quitCommands,
  redactCommands,
  registrationCommands,
  renameCommands,
  saslCommands,
  searchCommands,
  serverQueryCommands,
  serviceCommands,
  setnameCommands,
  topicCommands,
  userhostCommands,
  webircCommands,
  whoCommands,
  whoisCommands,
];

/** Every command the server handles, by upper-case verb. */
export const COMMANDS: CommandTable = new Map(groups.flatMap((g) => Object.entries(g)));
