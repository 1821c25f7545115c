"""The offline plan: the program run on a mock engine (`mock_engine`, with the SDK internals it
touches in `sdk_internals`), and what it would register said for a person or as JSON (`offline`,
`summary`). No CLI, no token."""
