-- Shared by the scripts that change something: appends one audit entry (field/value pairs)
-- to the audit stream in the same atomic step as the change, then trims the stream to its
-- retention (entries older than retentionMs by Redis' clock, exactly: MINID without ~; and about maxLen entries at most).
-- maxLen '' means the caller asked for no entry.
local function audit_append(key, maxLen, retentionMs, fields)
  if maxLen == nil or maxLen == '' then return false end
  local id = redis.call('XADD', key, 'MAXLEN', '~', maxLen, '*', unpack(fields))
  local t = redis.call('TIME')
  local minMs = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) - tonumber(retentionMs)
  if minMs > 0 then redis.call('XTRIM', key, 'MINID', string.format('%.0f', minMs)) end
  return id
end

-- ARGV[first..] as a list (the audit entry's fields).
local function argv_from(first)
  local out = {}
  for i = first, #ARGV do out[#out + 1] = ARGV[i] end
  return out
end
