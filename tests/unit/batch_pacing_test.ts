import assert from "node:assert/strict";
import { BatchPacing } from "../../server/batch_pacing.ts";

Deno.test("batch pacing: an opening BATCH pays for at most max-lines + 1 lines and its close", () => {
  const pacing = new BatchPacing();
  assert.equal(pacing.free("@batch=a PRIVMSG #c :no batch opened"), false);
  pacing.paid("PRIVMSG #c :an ordinary line");
  assert.equal(pacing.free("@batch=a PRIVMSG #c :still none"), false);
  pacing.paid("@label=x BATCH +a draft/multiline #c");
  assert.equal(pacing.free("PRIVMSG #c :not in the batch"), false);
  assert.equal(pacing.free("@batch=b PRIVMSG #c :another batch"), false);
  for (let i = 0; i < 101; i++) assert.equal(pacing.free(`@batch=a PRIVMSG #c :${i}`), true);
  assert.equal(pacing.free("@batch=a PRIVMSG #c :one too many"), false);
  assert.equal(pacing.free("BATCH -a"), false, "used up: the close pays too");

  pacing.paid("BATCH +z draft/multiline #c");
  assert.equal(pacing.free("@batch=z;draft/multiline-concat PRIVMSG #c :x"), true);
  assert.equal(pacing.free("BATCH -zz"), false);
  assert.equal(pacing.free("batch -z"), true);
  assert.equal(pacing.free("@batch=z PRIVMSG #c :after the close"), false);
  pacing.paid("BATCH +q chathistory #c");
  assert.equal(pacing.free("@batch=q PRIVMSG #c :not multiline"), false);
});
