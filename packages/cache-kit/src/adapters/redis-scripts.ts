/**
 * The Lua scripts behind the Redis store. Every fencing decision happens inside one script, so no
 * other client can interleave between the check and the write. Key layout, for prefix P and key K:
 * `P p:K` the entry, one packed string (see `redis-entry.ts`; a hit is a plain `GET` of it),
 * `P m:K` the tombstone/watermark hash (`gen`, `v`, `l`), `P l:K` the lease,
 * `P ts:T` the members of tag T, `P tg:T` the generation of tag T, `P epoch` the dataset's epoch.
 * Only a fenced fill ever writes `P p:K`, and every invalidation deletes it, so an entry that a
 * `GET` finds is one no invalidation has voided since it was written.
 *
 * A missing tombstone reads as generation '', the same as a key never invalidated, so a ticket
 * alone cannot tell "nothing happened" from "a tombstone was lost". Two more checks close that:
 * `P epoch` is created by the first read of a dataset and vanishes with the data (a restart without
 * persistence, a flush), so a ticket from an older dataset is void; and a ticket carries a deadline
 * on the server's clock (`TIME` at the read plus the tombstone TTL), past which a tombstone written
 * after the read may have expired, so the fill is refused.
 */

// The server's clock in milliseconds, from TIME's seconds and microseconds.
const SERVER_MS = `
local function serverMs()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000), t
end
`

// Compares two LSNs "HI/LO" numerically; Lua numbers hold 32-bit halves exactly.
const LSN_LESS = `
local function lsnLess(x, y)
  local xh, xl = string.match(x, '^(%x+)/(%x+)$')
  local yh, yl = string.match(y, '^(%x+)/(%x+)$')
  xh, xl, yh, yl = tonumber(xh, 16), tonumber(xl, 16), tonumber(yh, 16), tonumber(yl, 16)
  if xh ~= yh then return xh < yh end
  return xl < yl
end
`

// The version and freshUntil of a packed entry: its first and third header fields, which are
// digits only, so no pattern can run into the payload.
const ENTRY_FIELDS = `
local function entryVersion(s)
  if not s then return nil end
  local v = string.match(s, '^(%d*)|')
  if v == nil or v == '' then return nil end
  return v
end
local function entryFreshUntil(s)
  return tonumber(string.match(s, '^%d*|[^|]*|([%d.]+)|'))
end
`

/**
 * The miss path's read: the entry, the ticket (generations, epoch, deadline), the watermark and
 * maybe the lease, in one atomic step. Creates the dataset's epoch if it has none.
 * KEYS: entry, meta, lease, epoch, tagGen…. ARGV: leaseOwner, leaseTtlMs, nowMs, forceLease, ticketTtlMs.
 */
export const READ_SCRIPT = `${ENTRY_FIELDS}${SERVER_MS}
local e = redis.call('GET', KEYS[1])
local w = redis.call('HMGET', KEYS[2], 'gen', 'v', 'l')
local lease = 'none'
if ARGV[1] ~= '' then
  local fresh = e and (entryFreshUntil(e) or 0) > tonumber(ARGV[3])
  if ARGV[4] == '1' or not fresh then
    if redis.call('SET', KEYS[3], ARGV[1], 'NX', 'PX', ARGV[2]) then lease = 'acquired' else lease = 'held' end
  end
end
local now, t = serverMs()
local epoch = redis.call('GET', KEYS[4])
if not epoch then
  epoch = t[1] .. '.' .. t[2]
  redis.call('SET', KEYS[4], epoch)
end
local out = {e or '', w[1] or '', w[2] or '', w[3] or '', lease, epoch, now + tonumber(ARGV[5])}
for i = 5, #KEYS do out[#out + 1] = redis.call('GET', KEYS[i]) or '' end
return out
`

/**
 * KEYS: entry, meta, lease, epoch, tagGen×n, tagSet×n.
 * ARGV: generation, epoch, validUntil, n, tagGeneration×n, packedEntry, version, lsn, ttlMs,
 * leaseOwner, key. The version and LSN also travel unpacked so the checks need not parse the entry.
 */
export const FILL_SCRIPT = `${LSN_LESS}${ENTRY_FIELDS}${SERVER_MS}
local n = tonumber(ARGV[4])
local a = 5 + n
local owner = ARGV[a + 4]
if owner ~= '' and redis.call('GET', KEYS[3]) == owner then redis.call('DEL', KEYS[3]) end
local w = redis.call('HMGET', KEYS[2], 'gen', 'v', 'l')
local valid = (w[1] or '') == ARGV[1] and redis.call('GET', KEYS[4]) == ARGV[2]
for i = 1, n do
  if (redis.call('GET', KEYS[4 + i]) or '') ~= ARGV[4 + i] then valid = false end
end
if not valid then return 'invalidated' end
if serverMs() >= tonumber(ARGV[3]) then return 'ticket-expired' end
local ver, lsn = ARGV[a + 1], ARGV[a + 2]
if ver ~= '' and w[2] and tonumber(ver) < tonumber(w[2]) then return 'version-behind' end
if lsn ~= '' and w[3] and lsnLess(lsn, w[3]) then return 'lsn-behind' end
local cur = entryVersion(redis.call('GET', KEYS[1]))
if ver ~= '' and cur and tonumber(ver) < tonumber(cur) then return 'older-than-cached' end
local ttl = tonumber(ARGV[a + 3])
redis.call('SET', KEYS[1], ARGV[a], 'PX', ttl)
for i = 1, n do
  local set = KEYS[4 + n + i]
  redis.call('SADD', set, ARGV[a + 5])
  if redis.call('PTTL', set) < ttl then redis.call('PEXPIRE', set, ttl) end
end
return 'ok'
`

/** KEYS: entry, meta, lease. ARGV: generation, version, lsn, mode, tombstoneTtlMs. */
export const INVALIDATE_SCRIPT = `${LSN_LESS}${ENTRY_FIELDS}
local w = redis.call('HMGET', KEYS[2], 'gen', 'v', 'l')
local ver, lsn, mode = ARGV[2], ARGV[3], ARGV[4]
local verNewer = ver ~= '' and (not w[2] or tonumber(ver) > tonumber(w[2]))
local lsnNewer = lsn ~= '' and (not w[3] or lsnLess(w[3], lsn))
if mode == 'change' and not (verNewer or lsnNewer or (ver == '' and lsn == '')) then
  return {0, w[2] or '', w[3] or ''}
end
if verNewer then redis.call('HSET', KEYS[2], 'v', ver) end
if lsnNewer then redis.call('HSET', KEYS[2], 'l', lsn) end
redis.call('HSET', KEYS[2], 'gen', ARGV[1])
redis.call('PEXPIRE', KEYS[2], ARGV[5])
local drop = true
if mode == 'change' and ver ~= '' then
  local cur = entryVersion(redis.call('GET', KEYS[1]))
  if cur and tonumber(cur) >= tonumber(ver) then drop = false end
end
if drop then redis.call('DEL', KEYS[1]) end
redis.call('DEL', KEYS[3])
local nw = redis.call('HMGET', KEYS[2], 'v', 'l')
return {1, nw[1] or '', nw[2] or ''}
`

/**
 * KEYS: tagSet×n, tagGen×n. ARGV: n, tombstoneTtlMs, prefix, generation.
 * Member keys are derived from the prefix (single-node Redis; not Redis Cluster safe).
 */
export const INVALIDATE_TAGS_SCRIPT = `
local n = tonumber(ARGV[1])
local members, seen = {}, {}
for i = 1, n do
  for _, k in ipairs(redis.call('SMEMBERS', KEYS[i])) do
    if not seen[k] then seen[k] = true; members[#members + 1] = k end
  end
  redis.call('DEL', KEYS[i])
  redis.call('SET', KEYS[n + i], ARGV[4] .. ':t' .. i, 'PX', ARGV[2])
end
for j, k in ipairs(members) do
  redis.call('DEL', ARGV[3] .. 'p:' .. k, ARGV[3] .. 'l:' .. k)
  redis.call('HSET', ARGV[3] .. 'm:' .. k, 'gen', ARGV[4] .. ':k' .. j)
  redis.call('PEXPIRE', ARGV[3] .. 'm:' .. k, ARGV[2])
end
return members
`

/** KEYS: lease. ARGV: owner. */
export const RELEASE_SCRIPT = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`
