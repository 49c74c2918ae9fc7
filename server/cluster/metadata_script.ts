/**
 * The Lua body of the cluster's METADATA script: sets or removes one draft/metadata-2 key on a
 * user's record or a channel's settings in Redis (as `md`, so that a node loading them later
 * has them) and publishes a `meta` event every node applies (replica.ts → network/metadata.ts).
 * scripts.ts puts its helpers (`emit`, `getSettings`, …) in front of it, as for the others.
 *
 * @module
 */

/** Script bodies by name; see scripts.ts for the keys they use. */
export const METADATA_BODIES = {
  /**
   * ARGV: 'u' (user) or 'c' (channel), uid or folded channel, key, has value ('1'), value, by
   * (source), setter uid, node, now, max keys. -1 when the target is gone, 0 when a new key
   * would pass max keys (ops of a channel on two nodes adding keys at once).
   */
  meta: `
local kind, id, k = ARGV[1], ARGV[2], ARGV[3]
local v = nil
if ARGV[4] == '1' then v = ARGV[5] end
local rec
if kind == 'u' then
  local raw = redis.call('HGET', P .. 'users', id)
  if not raw then return -1 end
  rec = cjson.decode(raw)
else
  rec = getSettings(id)
  if not rec then return -1 end
end
local md = rec.md
if type(md) ~= 'table' then md = {} end
if v ~= nil and md[k] == nil then
  local n = 0
  for _ in pairs(md) do n = n + 1 end
  if n >= tonumber(ARGV[10]) then return 0 end
end
md[k] = v
if next(md) == nil then rec.md = nil else rec.md = md end
local ev = {t = 'meta', n = ARGV[8], k = k, v = v, by = ARGV[6], su = ARGV[7],
  tm = tonumber(ARGV[9])}
if kind == 'u' then
  redis.call('HSET', P .. 'users', id, cjson.encode(rec))
  ev.u = id
else
  saveSettings(id, rec)
  ev.c = id
end
return emit(ev)`,
} as const;
