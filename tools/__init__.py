"""Pure Python helpers of the addon: no database, no environment (unit-tested on their own)."""
