"""`python -m goldpipe_scorer serve`: the batch job's model behind SageMaker's real-time inference contract
(GET /ping, POST /invocations on port 8080), with dynamic micro-batching and a bounded queue."""
