-- A new configuration version: the number, the stored text with its header, the version's
-- record (what was pushed, by whom; the last `keep` versions are kept), the announcement and
-- the audit entry, in one step.
-- KEYS: current, version counter, channel, versions (hash: version -> record), version texts
--       (hash: version -> YAML and iCalendar texts), audit stream.
-- ARGV: stored config, pushedAt, record JSON (without its version), texts JSON, keep, then the
--       audit entry (lib/audit.lua: maxLen, retentionMs, fields); before/after are added here.
local v = redis.call('INCR', KEYS[2])
redis.call('SET', KEYS[1], cjson.encode({version = v, pushedAt = ARGV[2]}) .. '\n' .. ARGV[1])
local record = cjson.decode(ARGV[3])
record.version = v
redis.call('HSET', KEYS[4], v, cjson.encode(record))
redis.call('HSET', KEYS[5], v, ARGV[4])
local fields = argv_from(8)
local previous = redis.call('HGET', KEYS[4], v - 1)
if previous then
  local p = cjson.decode(previous)
  fields[#fields + 1] = 'before'
  fields[#fields + 1] = cjson.encode({version = p.version, sha256 = p.sha256})
end
fields[#fields + 1] = 'after'
fields[#fields + 1] = cjson.encode({version = v, sha256 = record.sha256, rollbackOf = record.rollbackOf})
local keep = tonumber(ARGV[5])
for _, f in ipairs(redis.call('HKEYS', KEYS[4])) do
  if tonumber(f) == nil or tonumber(f) <= v - keep then
    redis.call('HDEL', KEYS[4], f)
    redis.call('HDEL', KEYS[5], f)
  end
end
redis.call('PUBLISH', KEYS[3], v)
audit_append(KEYS[6], ARGV[6], ARGV[7], fields)
return v
