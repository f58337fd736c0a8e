"""居民身份证阅读器: GA 467 SAM_A frames, the four card text layouts, a driver and a simulator."""
