/**
 * The Lua body of the cluster's RENAME script: renames a channel in Redis (its settings, members,
 * membership sets, registration; its history stays filed under the channel's history key, so it
 * follows) and publishes a `rename` event every node applies (replica.ts → network/rename.ts).
 * scripts.ts puts its helpers (`emit`, `getSettings`, …) in front of it, as for the others.
 *
 * @module
 */

/** Script bodies by name; see scripts.ts for the keys they use. */
export const RENAME_BODIES = {
  /**
   * ARGV: folded channel, new folded name, new name, by (source), reason, node, now. 0 when the
   * new name is another channel's, live or registered; -1 when the channel is gone.
   */
  rename: `
local c, to = ARGV[1], ARGV[2]
local st = getSettings(c)
if not st then return -1 end
if to ~= c then
  if redis.call('EXISTS', P .. 'ch:' .. to) == 1 or redis.call('HEXISTS', P .. 'reg', to) == 1 then
    return 0
  end
  redis.call('DEL', P .. 'ch:' .. c)
  if redis.call('EXISTS', P .. 'm:' .. c) == 1 then
    redis.call('RENAME', P .. 'm:' .. c, P .. 'm:' .. to)
  end
  for _, uid in ipairs(redis.call('HKEYS', P .. 'm:' .. to)) do
    redis.call('SREM', P .. 'uc:' .. uid, c)
    redis.call('SADD', P .. 'uc:' .. uid, to)
  end
  redis.call('SREM', P .. 'chans', c)
  redis.call('SADD', P .. 'chans', to)
  redis.call('HDEL', P .. 'reg', c)
end
st.name = ARGV[3]
saveSettings(to, st)
return emit({t = 'rename', n = ARGV[6], c = c, to = to, name = ARGV[3], by = ARGV[4], r = ARGV[5],
  tm = tonumber(ARGV[7])})`,
} as const;
