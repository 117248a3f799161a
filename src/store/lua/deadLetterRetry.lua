-- Back to the events stream as a fresh entry (keeping the event id, so done steps are
-- skipped), and out of the dead letters, in one step.
local found = redis.call('XRANGE', KEYS[2], ARGV[2], ARGV[2])
if #found == 0 then return false end
local fields = found[1][2]
local id, event = '', ''
for i = 1, #fields, 2 do
  if fields[i] == 'id' then id = fields[i + 1] elseif fields[i] == 'event' then event = fields[i + 1] end
end
local entry = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', 'id', id, 'event', event)
redis.call('XDEL', KEYS[2], ARGV[2])
return entry
