"""goldpipe's GPU job: score one shard of headlines with a sequence-classification model."""
