/**
 * The Lua scripts that change the cluster's state in Redis. Each runs atomically: it checks,
 * changes the keys below, and publishes the resulting event with the next sequence number, so
 * Redis decides the one order every node applies. They return the event's sequence number (> 0),
 * 0 when refused (nick taken), or a negative number when there was nothing to do (a retry after
 * an outage finds its work already done).
 *
 * Keys (prefix `chat:`): `seq`; `nodes` (set) and `node:<id>` (lease, PX); `nick:<folded>` → user
 * id; `users` (hash id → record JSON); `nu:<node>` (set of its user ids); `uc:<id>` (set of the
 * user's channels); `chans` (set); `ch:<folded>` (settings JSON); `m:<folded>` (hash id → status
 * bits); `reg` (registered channels); `acct` and `acctpw` (accounts, public and secret halves);
 * history: `h:<conversation>` (stream), `hi:<conversation>` (msgid → stream id), `ht` (zset of
 * conversations by latest time), `hto:<owner>` (the same for one account's private
 * conversations), `htn` (conversation → TARGETS label). Conversations are named as in
 * store/conversations.ts; a channel's settings carry its history key (`hk`).
 *
 * @module
 */

import { ACCOUNT_BODIES } from "./account_scripts.ts";
import { RENAME_BODIES } from "./rename_script.ts";
import { METADATA_BODIES } from "./metadata_script.ts";

/** Key prefix of everything the cluster keeps in Redis. */
export const PREFIX = "chat:";
/** The pub/sub channel of state events. */
export const EVENTS_CHANNEL = `${PREFIX}events`;
/** What every channel's pub/sub channel starts with. */
export const CHANNEL_TOPIC_PREFIX = `${PREFIX}c:`;
/** The pub/sub channel of a channel's messages. */
export const channelTopic = (folded: string): string => `${CHANNEL_TOPIC_PREFIX}${folded}`;
/** The pub/sub channel of a node's private messages and requests. */
export const inboxTopic = (node: string): string => `${PREFIX}n:${node}`;

const PRELUDE = `
local P = '${PREFIX}'
local function isnull(v) return v == nil or v == cjson.null end
local function emit(ev)
  ev.s = redis.call('INCR', P .. 'seq')
  redis.call('PUBLISH', P .. 'events', cjson.encode(ev))
  return ev.s
end
local function getSettings(c)
  local raw = redis.call('GET', P .. 'ch:' .. c)
  if raw then return cjson.decode(raw) end
  return nil
end
local function persist(c, st)
  if isnull(st.founder) then return end
  redis.call('HSET', P .. 'reg', c, cjson.encode({name = st.name, founder = st.founder,
    topic = st.topic, modes = st.modes, key = st.key, limit = st.limit, bans = st.bans,
    banExceptions = st.banExceptions, inviteExceptions = st.inviteExceptions,
    created = st.created, hk = st.hk}))
end
local function forgetHistory(k)
  redis.call('UNLINK', P .. 'h:' .. k, P .. 'hi:' .. k)
  redis.call('ZREM', P .. 'ht', k)
  redis.call('HDEL', P .. 'htn', k)
  local owner = string.match(k, '^~(%S+) ')
  if owner then redis.call('ZREM', P .. 'hto:' .. owner, k) end
end
-- conversations.ts historyEndsWithChannel: not registered, filed under one of its lives
local function historyEnds(c, st)
  return isnull(st.founder) and not isnull(st.hk) and st.hk ~= c
end
local function saveSettings(c, st)
  redis.call('SET', P .. 'ch:' .. c, cjson.encode(st))
  persist(c, st)
end
local function removeMember(uid, c)
  redis.call('HDEL', P .. 'm:' .. c, uid)
  redis.call('SREM', P .. 'uc:' .. uid, c)
  if redis.call('HLEN', P .. 'm:' .. c) == 0 then
    local st = getSettings(c)
    if st and historyEnds(c, st) then forgetHistory(st.hk) end
    redis.call('DEL', P .. 'ch:' .. c, P .. 'm:' .. c)
    redis.call('SREM', P .. 'chans', c)
  end
end
local function removeUser(uid)
  local raw = redis.call('HGET', P .. 'users', uid)
  if not raw then return nil end
  local u = cjson.decode(raw)
  if redis.call('GET', P .. 'nick:' .. u.folded) == uid then
    redis.call('DEL', P .. 'nick:' .. u.folded)
  end
  for _, c in ipairs(redis.call('SMEMBERS', P .. 'uc:' .. uid)) do removeMember(uid, c) end
  redis.call('DEL', P .. 'uc:' .. uid)
  redis.call('HDEL', P .. 'users', uid)
  redis.call('SREM', P .. 'nu:' .. u.node, uid)
  return u
end
-- always-on users (ao) move to the adopter; with none they stay, and so does the node, for the
-- next reaper to adopt
local function removeNode(node, reason, adopter)
  local us, ad, kept = {}, {}, 0
  for _, uid in ipairs(redis.call('SMEMBERS', P .. 'nu:' .. node)) do
    local raw = redis.call('HGET', P .. 'users', uid)
    local u = raw and cjson.decode(raw)
    if u and u.ao == '1' and u.r and adopter then
      u.node = adopter
      redis.call('HSET', P .. 'users', uid, cjson.encode(u))
      redis.call('SADD', P .. 'nu:' .. adopter, uid)
      table.insert(ad, uid)
    elseif u and u.ao == '1' and u.r then
      kept = kept + 1
    else
      local gone = removeUser(uid)
      if gone and gone.r then table.insert(us, uid) end
    end
  end
  if kept == 0 then
    redis.call('DEL', P .. 'nu:' .. node)
    redis.call('SREM', P .. 'nodes', node)
  else
    for _, uid in ipairs(ad) do redis.call('SREM', P .. 'nu:' .. node, uid) end
  end
  return emit({t = 'lost', n = node, node = node, us = us, r = reason, ad = ad, by = adopter})
end
`;

const CORE_BODIES = {
  /** ARGV: uid, node, nick, folded, record. Claims a nick for a registering user. */
  claim: `
local uid, node, nick, f = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local holder = redis.call('GET', P .. 'nick:' .. f)
if holder and holder ~= uid then return 0 end
local raw = redis.call('HGET', P .. 'users', uid)
local u
if raw then
  u = cjson.decode(raw)
  if u.folded ~= f and redis.call('GET', P .. 'nick:' .. u.folded) == uid then
    redis.call('DEL', P .. 'nick:' .. u.folded)
  end
  u.nick = nick
  u.folded = f
else
  u = cjson.decode(ARGV[5])
end
redis.call('HSET', P .. 'users', uid, cjson.encode(u))
redis.call('SET', P .. 'nick:' .. f, uid)
redis.call('SADD', P .. 'nu:' .. node, uid)
return 1`,
  /** ARGV: uid, record. A registered user appears on the network. */
  intro: `
local u = cjson.decode(ARGV[2])
if redis.call('GET', P .. 'nick:' .. u.folded) ~= ARGV[1] then return 0 end
redis.call('HSET', P .. 'users', ARGV[1], ARGV[2])
redis.call('SADD', P .. 'nu:' .. u.node, ARGV[1])
return emit({t = 'intro', n = u.node, u = u})`,
  /** ARGV: uid, nick, folded, time. */
  nick: `
local uid, nick, f = ARGV[1], ARGV[2], ARGV[3]
local raw = redis.call('HGET', P .. 'users', uid)
if not raw then return -1 end
local u = cjson.decode(raw)
local holder = redis.call('GET', P .. 'nick:' .. f)
if holder and holder ~= uid then return 0 end
if u.nick == nick then return -2 end
if u.folded ~= f and redis.call('GET', P .. 'nick:' .. u.folded) == uid then
  redis.call('DEL', P .. 'nick:' .. u.folded)
end
redis.call('SET', P .. 'nick:' .. f, uid)
u.nick = nick
u.folded = f
redis.call('HSET', P .. 'users', uid, cjson.encode(u))
return emit({t = 'nick', n = u.node, u = uid, nick = nick, tm = tonumber(ARGV[4])})`,
  /** ARGV: uid, reason. */
  quit: `
local u = removeUser(ARGV[1])
if u and u.r then return emit({t = 'quit', n = u.node, u = ARGV[1], r = ARGV[2]}) end
return -1`,
  /**
   * ARGV: reason, reaper node. Removes the users of every node whose lease expired; the reaper
   * adopts their always-on users.
   */
  reap: `
local reaped = {}
for _, node in ipairs(redis.call('SMEMBERS', P .. 'nodes')) do
  if redis.call('EXISTS', P .. 'node:' .. node) == 0 then
    removeNode(node, ARGV[1], ARGV[2])
    table.insert(reaped, node)
  end
end
return reaped`,
  /** ARGV: node, reason. A node leaves on shutdown. */
  leave: `
redis.call('DEL', P .. 'node:' .. ARGV[1])
return removeNode(ARGV[1], ARGV[2])`,
  /** ARGV: node, lease ms, info. Renews the lease; 0 when the node was unknown (reaped). */
  alive: `
local known = redis.call('SISMEMBER', P .. 'nodes', ARGV[1])
redis.call('SET', P .. 'node:' .. ARGV[1], ARGV[3], 'PX', ARGV[2])
redis.call('SADD', P .. 'nodes', ARGV[1])
return known`,
  /**
   * ARGV: uid, folded channel, now, folded account or '', folded nick, node, settings (JSON) of
   * the channel if this creates it (network/rules.ts). The status rule mirrors `joinStatus`.
   */
  join: `
local uid, c = ARGV[1], ARGV[2]
if redis.call('SISMEMBER', P .. 'uc:' .. uid, c) == 1 then return -1 end
if redis.call('HEXISTS', P .. 'users', uid) == 0 then return -3 end
local st = getSettings(c)
if not st then
  local reg = redis.call('HGET', P .. 'reg', c)
  if reg then
    local r = cjson.decode(reg)
    st = {name = r.name, created = r.created, topic = r.topic, modes = r.modes, key = r.key,
      limit = r.limit, bans = r.bans, banExceptions = r.banExceptions,
      inviteExceptions = r.inviteExceptions, founder = r.founder, invited = {}, hk = r.hk}
  else
    st = cjson.decode(ARGV[7])
  end
  redis.call('SADD', P .. 'chans', c)
end
local status = 0
if isnull(st.founder) then
  if redis.call('HLEN', P .. 'm:' .. c) == 0 then status = 1 end
elseif ARGV[4] == st.founder then
  status = 1
end
local inv = {}
for _, x in ipairs(st.invited or {}) do if x ~= ARGV[5] then table.insert(inv, x) end end
st.invited = inv
redis.call('SET', P .. 'ch:' .. c, cjson.encode(st))
redis.call('HSET', P .. 'm:' .. c, uid, status)
redis.call('SADD', P .. 'uc:' .. uid, c)
return emit({t = 'join', n = ARGV[6], u = uid, c = c, st = status, ch = st,
  tm = tonumber(ARGV[3])})`,
  /** ARGV: uid, folded channel, reason, has reason ('1'), node, now. */
  part: `
if redis.call('SISMEMBER', P .. 'uc:' .. ARGV[1], ARGV[2]) == 0 then return -1 end
removeMember(ARGV[1], ARGV[2])
local ev = {t = 'part', n = ARGV[5], u = ARGV[1], c = ARGV[2], tm = tonumber(ARGV[6])}
if ARGV[4] == '1' then ev.r = ARGV[3] end
return emit(ev)`,
  /** ARGV: target uid, folded channel, by (source), reason, node, now. */
  kick: `
if redis.call('SISMEMBER', P .. 'uc:' .. ARGV[1], ARGV[2]) == 0 then return -1 end
removeMember(ARGV[1], ARGV[2])
return emit({t = 'kick', n = ARGV[5], u = ARGV[1], c = ARGV[2], by = ARGV[3], r = ARGV[4],
  tm = tonumber(ARGV[6])})`,
  /** ARGV: folded channel, text ('' clears), set by, set at, node. */
  topic: `
local st = getSettings(ARGV[1])
if not st then return -1 end
local at = tonumber(ARGV[4])
if ARGV[2] == '' then
  st.topic = nil
else
  if not isnull(st.topic) and st.topic.text == ARGV[2] and st.topic.setAt == at and
    st.topic.setBy == ARGV[3] then return -2 end
  st.topic = {text = ARGV[2], setBy = ARGV[3], setAt = at}
end
saveSettings(ARGV[1], st)
return emit({t = 'topic', n = ARGV[5], c = ARGV[1], topic = st.topic, by = ARGV[3], tm = at})`,
  /**
   * ARGV: folded channel, by (source), now, changes JSON [{a, m, p, u}], node, max list masks.
   * The handler keeps the lists (+b +e +I together) within the limit; this holds them there
   * when nodes race.
   */
  mode: `
local c = ARGV[1]
local maxBans = tonumber(ARGV[6])
local st = getSettings(c)
if not st then return -1 end
local lists = {b = 'bans', e = 'banExceptions', I = 'inviteExceptions'}
local masks = 0
for _, field in pairs(lists) do
  if isnull(st[field]) then st[field] = {} end
  masks = masks + #st[field]
end
local now = tonumber(ARGV[3])
local applied = {}
local modes = st.modes or ''
for _, ch in ipairs(cjson.decode(ARGV[4])) do
  local ok = false
  local m = ch.m
  if m == 'o' or m == 'v' then
    if not isnull(ch.u) then
      local bits = redis.call('HGET', P .. 'm:' .. c, ch.u)
      if bits then
        bits = tonumber(bits)
        local bit = 1
        if m == 'v' then bit = 2 end
        local has = (bits % (2 * bit)) >= bit
        if ch.a and not has then bits = bits + bit; ok = true end
        if (not ch.a) and has then bits = bits - bit; ok = true end
        if ok then redis.call('HSET', P .. 'm:' .. c, ch.u, bits) end
      end
    end
  elseif lists[m] then
    local list = st[lists[m]]
    local idx = nil
    for i, b in ipairs(list) do if b.mask == ch.p then idx = i end end
    if ch.a and not idx and masks < maxBans then
      table.insert(list, {mask = ch.p, setBy = ARGV[2], setAt = now})
      masks = masks + 1
      ok = true
    end
    if (not ch.a) and idx then table.remove(list, idx); masks = masks - 1; ok = true end
  elseif m == 'k' then
    if ch.a then
      if isnull(st.key) or st.key ~= ch.p then st.key = ch.p; ok = true end
    elseif not isnull(st.key) then st.key = nil; ok = true end
  elseif m == 'l' then
    local lim = nil
    if ch.a then lim = tonumber(ch.p) end
    local cur = st.limit
    if isnull(cur) then cur = nil end
    if cur ~= lim then st.limit = lim; ok = true end
  else
    local has = string.find(modes, m, 1, true) ~= nil
    if ch.a and not has then modes = modes .. m; ok = true end
    if (not ch.a) and has then modes = string.gsub(modes, m, ''); ok = true end
  end
  if ok then table.insert(applied, ch) end
end
if #applied == 0 then return -2 end
st.modes = modes
saveSettings(c, st)
return emit({t = 'mode', n = ARGV[5], c = c, by = ARGV[2], tm = now, ch = applied})`,
  /**
   * ARGV: folded channel, folded target nick, target uid, by (source), by uid, node, now, admits
   * ('1': an op's invite, which lets the target past +i +l +b; else it only tells them).
   */
  invite: `
local st = getSettings(ARGV[1])
if not st then return -1 end
local admits = ARGV[8] == '1'
if admits then
  local inv = st.invited or {}
  local found = false
  for _, x in ipairs(inv) do if x == ARGV[2] then found = true end end
  if not found then table.insert(inv, ARGV[2]) end
  st.invited = inv
  redis.call('SET', P .. 'ch:' .. ARGV[1], cjson.encode(st))
end
return emit({t = 'invite', n = ARGV[6], c = ARGV[1], by = ARGV[4], byu = ARGV[5], u = ARGV[3],
  tm = tonumber(ARGV[7]), ad = admits})`,
  /** ARGV: uid, kind (away|setname|account|umode), has value ('1'), value. */
  uset: `
local raw = redis.call('HGET', P .. 'users', ARGV[1])
if not raw then return -1 end
local u = cjson.decode(raw)
local field = ({away = 'away', setname = 'realname', account = 'account', umode = 'modes',
  ao = 'ao', off = 'off'})[ARGV[2]]
local v = nil
if ARGV[3] == '1' then v = ARGV[4] end
local cur = u[field]
if isnull(cur) then cur = nil end
if cur == v then return -2 end
u[field] = v
redis.call('HSET', P .. 'users', ARGV[1], cjson.encode(u))
if not u.r then return -2 end
return emit({t = ARGV[2], n = u.node, u = ARGV[1], v = v})`,
  /**
   * ARGV: folded channel, folded founder ('' drops the registration), node. 0 when the founder's
   * account no longer exists.
   */
  founder: `
local c = ARGV[1]
local f = nil
if ARGV[2] ~= '' then f = ARGV[2] end
if f and redis.call('HEXISTS', P .. 'acct', f) == 0 then return 0 end -- dropped meanwhile
local st = getSettings(c)
if st then
  st.founder = f
  redis.call('SET', P .. 'ch:' .. c, cjson.encode(st))
end
if f then
  if st then persist(c, st) end
else
  -- a registered channel nobody is in ends now, and its history with it
  local reg = redis.call('HGET', P .. 'reg', c)
  if reg and not st then
    local r = cjson.decode(reg)
    r.founder = nil
    if historyEnds(c, r) then forgetHistory(r.hk) end
  end
  redis.call('HDEL', P .. 'reg', c)
end
return emit({t = 'founder', n = ARGV[3], c = c, f = f})`,
  /** ARGV: conversation. Deletes a conversation's history. */
  forget: `forgetHistory(ARGV[1])
return 1`,
  /** ARGV: owner id. Deletes every private conversation an account kept. */
  forgetOwner: `
local key = P .. 'hto:' .. ARGV[1]
for _, k in ipairs(redis.call('ZRANGE', key, 0, -1)) do forgetHistory(k) end
redis.call('DEL', key)
return 1`,
  /** ARGV: by (source), text, node. */
  wallops: `return emit({t = 'wallops', n = ARGV[3], by = ARGV[1], text = ARGV[2]})`,
  /**
   * ARGV: pub/sub channel ('' for none), payload, conversation ('' for not stored), msgid, time,
   * target, source, account, command, text, tags, max per conversation (0: no limit), label.
   * Stores the message (once per msgid) and then publishes `<stream id>\n<payload>`: whoever
   * receives it, the sender's echo included, receives a stored message, and a node that missed
   * it can read it from the stream. Returns {1, nodes that received it}, or {0, 0} when it was
   * already stored (a retry).
   */
  msg: `
local conv = ARGV[3]
local id = ''
if conv ~= '' then
  local idx = P .. 'hi:' .. conv
  if redis.call('HEXISTS', idx, ARGV[4]) == 1 then return {0, 0} end
  local key = P .. 'h:' .. conv
  local ms = tonumber(ARGV[5])
  local last = redis.call('XREVRANGE', key, '+', '-', 'COUNT', 1)
  if #last > 0 then
    local lm = tonumber(string.match(last[1][1], '^(%d+)'))
    if lm > ms then ms = lm end
  end
  local args = {'XADD', key}
  if tonumber(ARGV[12]) > 0 then
    table.insert(args, 'MAXLEN')
    table.insert(args, '~')
    table.insert(args, ARGV[12])
  end
  table.insert(args, string.format('%.0f', ms) .. '-*')
  local names = {'msgid', 'time', 'target', 'source', 'account', 'command', 'text', 'tags'}
  for i, name in ipairs(names) do
    table.insert(args, name)
    table.insert(args, ARGV[3 + i])
  end
  id = redis.call(unpack(args))
  redis.call('HSET', idx, ARGV[4], id)
  redis.call('ZADD', P .. 'ht', 'GT', ARGV[5], conv)
  local owner = string.match(conv, '^~(%S+) ')
  if owner then redis.call('ZADD', P .. 'hto:' .. owner, 'GT', ARGV[5], conv) end
  redis.call('HSET', P .. 'htn', conv, ARGV[13])
end
local receivers = 0
if ARGV[1] ~= '' then receivers = redis.call('PUBLISH', ARGV[1], id .. '\\n' .. ARGV[2]) end
return {1, receivers}`,
  /** ARGV: uid, record, channels JSON [{c, st, ch}], node, now. Re-introduces a lost user. */
  ensure: `
local uid = ARGV[1]
local u = cjson.decode(ARGV[2])
if redis.call('HEXISTS', P .. 'users', uid) == 1 then return 2 end
local holder = redis.call('GET', P .. 'nick:' .. u.folded)
if holder and holder ~= uid then return 0 end
redis.call('SET', P .. 'nick:' .. u.folded, uid)
redis.call('HSET', P .. 'users', uid, ARGV[2])
redis.call('SADD', P .. 'nu:' .. ARGV[4], uid)
if u.r then emit({t = 'intro', n = ARGV[4], u = u}) end
for _, x in ipairs(cjson.decode(ARGV[3])) do
  local st = getSettings(x.c)
  if not st then
    st = x.ch
    redis.call('SET', P .. 'ch:' .. x.c, cjson.encode(st))
    redis.call('SADD', P .. 'chans', x.c)
  end
  redis.call('HSET', P .. 'm:' .. x.c, uid, x.st)
  redis.call('SADD', P .. 'uc:' .. uid, x.c)
  emit({t = 'join', n = ARGV[4], u = uid, c = x.c, st = x.st, ch = st, tm = tonumber(ARGV[5])})
end
return 1`,
  /** The whole network: {seq, users, {folded, settings, members}…, nodes, registry, accounts}. */
  snapshot: `
local chans = {}
for _, c in ipairs(redis.call('SMEMBERS', P .. 'chans')) do
  local st = redis.call('GET', P .. 'ch:' .. c)
  if st then table.insert(chans, {c, st, redis.call('HGETALL', P .. 'm:' .. c)}) end
end
local seq = redis.call('GET', P .. 'seq') or '0'
return {seq, redis.call('HVALS', P .. 'users'), chans, redis.call('SMEMBERS', P .. 'nodes'),
  redis.call('HVALS', P .. 'reg'), redis.call('HVALS', P .. 'acct')}`,
} as const;

const BODIES = { ...CORE_BODIES, ...ACCOUNT_BODIES, ...RENAME_BODIES, ...METADATA_BODIES };

/** The name of a cluster script. */
export type ScriptName = keyof typeof BODIES;

/** A user's field as the `uset` script names it. */
export type UserField = "away" | "setname" | "account" | "umode" | "ao" | "off";

/** Each script's full Lua source (helpers, then its body). */
export const SCRIPTS: Readonly<Record<ScriptName, string>> = Object.fromEntries(
  Object.entries(BODIES).map(([name, body]) => [name, PRELUDE + body]),
) as Record<ScriptName, string>;
