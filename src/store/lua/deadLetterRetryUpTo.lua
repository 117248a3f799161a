-- Up to ARGV[3] dead letters with ids up to ARGV[2], each back on the events stream and out
-- of the dead letters in the same step (deadLetterRetry's move, batched).
local found = redis.call('XRANGE', KEYS[2], '-', ARGV[2], 'COUNT', tonumber(ARGV[3]))
local out = {}
for _, e in ipairs(found) do
  local fields = e[2]
  local id, event = '', ''
  for i = 1, #fields, 2 do
    if fields[i] == 'id' then id = fields[i + 1] elseif fields[i] == 'event' then event = fields[i + 1] end
  end
  out[#out + 1] = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', 'id', id, 'event', event)
  redis.call('XDEL', KEYS[2], e[1])
end
return out
