"""The main job: the Prefect server, the worker, the deployments, the local mail server, the watcher of the inbox and the mailbox, and the block it prints."""
