/**
 * WEBIRC (IRCv3 webirc): a trusted gateway names its user's real address before registration.
 * From an address no `--webirc` gateway holds, or with a wrong password, the connection is closed
 * with an ERROR: a gateway that cannot prove itself must not pass its users off as itself.
 *
 * @module
 */

import { N } from "../../protocol/numerics.ts";
import type { CommandSpec } from "../command_table.ts";
import { gatewaysFrom, gatewayWithPassword, webircAddress, webircSecure } from "../webirc.ts";

/** WEBIRC. */
export const webircCommands: Record<string, CommandSpec> = {
  WEBIRC: {
    minParams: 4,
    beforeRegistration: true,
    async handler(ctx, [password, gatewayName, , ip, flags]) {
      const { session, server, user } = ctx;
      if (!session.registration) {
        ctx.reply(N.ERR_ALREADYREGISTERED, "You may not reregister");
        return;
      }
      const conn = session.sink.connection;
      const from = conn?.hostname ?? user.hostname;
      const candidates = conn && !conn.remote ? gatewaysFrom(server.webirc, from) : [];
      if (candidates.length === 0) {
        server.log.warn(`WEBIRC from untrusted ${from} (gateway ${gatewayName}) refused`);
        session.sink.terminate("WEBIRC from an untrusted address");
        return;
      }
      const gateway = await gatewayWithPassword(candidates, password);
      if (!gateway) {
        server.log.warn(`WEBIRC from ${from} (gateway ${gatewayName}): wrong password`);
        session.sink.terminate("WEBIRC password incorrect");
        return;
      }
      const real = webircAddress(ip);
      if (real === undefined) {
        session.sink.terminate("WEBIRC with an invalid IP address");
        return;
      }
      // the gateway's connection now counts as its user's, against that address's limits
      const refusal = server.readmit?.(from, real);
      if (refusal !== undefined) {
        session.sink.terminate(refusal);
        return;
      }
      conn!.hostname = real;
      user.hostname = real;
      session.secure = webircSecure(flags, session.secure, from);
      server.log.info(`${from} WEBIRC gateway ${gateway.name}: client ${real}`);
    },
  },
};
