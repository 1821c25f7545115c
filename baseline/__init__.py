"""The GitHub side: stack config -> validated settings -> a `RepositoryBaseline` each."""
