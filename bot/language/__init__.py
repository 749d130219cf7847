"""Words and their forms: the fixed texts in English and Welsh, dates in words, SMS encoding."""
