/**
 * The Lua bodies of the cluster scripts about accounts: creating and dropping one, its read
 * markers, and moving its always-on user to the node a connection of it came to. scripts.ts puts
 * its helpers (`emit`, `getSettings`, …) in front of each, as for the others.
 *
 * @module
 */

/** Script bodies by name; see scripts.ts for the keys they use. */
export const ACCOUNT_BODIES = {
  /** ARGV: folded name, public JSON, secret JSON, name, created, node. */
  acctCreate: `
if redis.call('HSETNX', P .. 'acct', ARGV[1], ARGV[2]) == 0 then return 0 end
redis.call('HSET', P .. 'acctpw', ARGV[1], ARGV[3])
return emit({t = 'acct', n = ARGV[6], name = ARGV[4], created = tonumber(ARGV[5])})`,
  /**
   * ARGV: folded account, folded target, time, most targets per account. The marker only moves
   * forward; returns it, or -1 when the account has that many others.
   */
  markRead: `
local k = P .. 'rm:' .. ARGV[1]
local t = tonumber(ARGV[3])
local held = redis.call('HGET', k, ARGV[2])
if not held and redis.call('HLEN', k) >= tonumber(ARGV[4]) then return -1 end
local cur = tonumber(held or '0')
if t <= cur then return cur end
redis.call('HSET', k, ARGV[2], ARGV[3])
return t`,
  /**
   * ARGV: folded name, name, node. The account goes, with the channels it founded and its read
   * markers.
   */
  acctDrop: `
if redis.call('HDEL', P .. 'acct', ARGV[1]) == 0 then return -1 end
redis.call('HDEL', P .. 'acctpw', ARGV[1])
for _, fp in ipairs(redis.call('SMEMBERS', P .. 'certs:' .. ARGV[1])) do
  redis.call('HDEL', P .. 'certfp', fp)
end
redis.call('DEL', P .. 'certs:' .. ARGV[1])
redis.call('DEL', P .. 'rm:' .. ARGV[1])
redis.call('HDEL', P .. 'ao', ARGV[1])
redis.call('HDEL', P .. 'aochoice', ARGV[1])
local cs = {}
local reg = redis.call('HGETALL', P .. 'reg')
for i = 1, #reg, 2 do
  local c = reg[i]
  if cjson.decode(reg[i + 1]).founder == ARGV[1] then
    redis.call('HDEL', P .. 'reg', c)
    local st = getSettings(c)
    if st then
      st.founder = nil
      redis.call('SET', P .. 'ch:' .. c, cjson.encode(st))
    else
      -- nobody is in it: the channel ends now, and its history with it
      local r = cjson.decode(reg[i + 1])
      r.founder = nil
      if historyEnds(c, r) then forgetHistory(r.hk) end
    end
    table.insert(cs, c)
  end
end
return emit({t = 'acctdrop', n = ARGV[3], name = ARGV[2], cs = cs})`,
  /**
   * ARGV: fingerprint, folded account, most per account. A fingerprint has one owner; the account
   * must still exist.
   */
  certAdd: `
if redis.call('HEXISTS', P .. 'acct', ARGV[2]) == 0 then return 'taken' end
local owner = redis.call('HGET', P .. 'certfp', ARGV[1])
if owner then
  if owner == ARGV[2] then return 'exists' end
  return 'taken'
end
if redis.call('SCARD', P .. 'certs:' .. ARGV[2]) >= tonumber(ARGV[3]) then return 'full' end
redis.call('HSET', P .. 'certfp', ARGV[1], ARGV[2])
redis.call('SADD', P .. 'certs:' .. ARGV[2], ARGV[1])
return 'added'`,
  /** ARGV: fingerprint, folded account. 1 when the account had it. */
  certDel: `
if redis.call('HGET', P .. 'certfp', ARGV[1]) ~= ARGV[2] then return 0 end
redis.call('HDEL', P .. 'certfp', ARGV[1])
redis.call('SREM', P .. 'certs:' .. ARGV[2], ARGV[1])
return 1`,
  /**
   * ARGV: uid, node. Moves an always-on user with no session (its off field set) to the node a
   * connection of its account came to; 0 when it is not such a user (any more).
   */
  adopt: `
local raw = redis.call('HGET', P .. 'users', ARGV[1])
if not raw then return -1 end
local u = cjson.decode(raw)
if u.ao ~= '1' or isnull(u.off) or not u.r then return 0 end
if u.node == ARGV[2] then return -2 end
local from = u.node
redis.call('SREM', P .. 'nu:' .. from, ARGV[1])
redis.call('SADD', P .. 'nu:' .. ARGV[2], ARGV[1])
u.node = ARGV[2]
redis.call('HSET', P .. 'users', ARGV[1], cjson.encode(u))
return emit({t = 'adopt', n = ARGV[2], u = ARGV[1], by = ARGV[2]})`,
} as const;
