-- Releases a lock only for its holder (a lock that expired and was taken again is not ours).
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
