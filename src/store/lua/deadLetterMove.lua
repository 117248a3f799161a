-- XADD to the dead letters and XACK in the events stream in one step: an event is never
-- in both, and never in neither.
local dead = redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[1], '*',
  'id', ARGV[2], 'event', ARGV[3], 'error', ARGV[4], 'deliveries', ARGV[5], 'source', ARGV[6], 'failedAt', ARGV[7])
redis.call('XACK', KEYS[1], ARGV[8], ARGV[6])
redis.call('DEL', KEYS[3])
return dead
