-- One DID's overrides replaced, if they are still what the caller read (compare-and-set: the
-- caller computed the new list from them), announced, and the change audited, in one step.
-- KEYS: the overrides hash, the announcement channel, the audit stream.
-- ARGV: did, expectedPresent ('1' or '0'), expected JSON, new JSON ('' deletes the field),
--       publish ('1' or '0'), then the audit entry (maxLen '' for none; lib/audit.lua).
local current = redis.call('HGET', KEYS[1], ARGV[1])
if ARGV[2] == '1' then
  if current ~= ARGV[3] then return 0 end
elseif current then
  return 0
end
if ARGV[4] == '' then redis.call('HDEL', KEYS[1], ARGV[1]) else redis.call('HSET', KEYS[1], ARGV[1], ARGV[4]) end
if ARGV[5] == '1' then redis.call('PUBLISH', KEYS[2], ARGV[1]) end
audit_append(KEYS[3], ARGV[6], ARGV[7], argv_from(8))
return 1
