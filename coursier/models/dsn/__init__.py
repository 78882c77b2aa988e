"""DSN files: the norm as data, a streaming parser, a writer and the self-check."""
