-- One audit entry on its own: KEYS[1] the audit stream; ARGV maxLen, retentionMs, then the fields.
return audit_append(KEYS[1], ARGV[1], ARGV[2], argv_from(3))
