-- SET NX on the event id and XADD in one step, so an event re-sent after an outage (or by
-- two daemons) is written once; the earlier entry id is returned for a repeat.
local existing = redis.call('GET', KEYS[2])
if existing then return {existing, 0} end
local entry = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', 'id', ARGV[2], 'event', ARGV[3])
redis.call('SET', KEYS[2], entry, 'EX', ARGV[4])
return {entry, 1}
