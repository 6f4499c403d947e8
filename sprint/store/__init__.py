"""The store: intake records, the outbox, 通报 drafts, the letters read from the mailbox, and the shelf of validated tables, on any SQLAlchemy database. Imports the domain and reading."""
