"""Ledgers sent by mail: the operator's mailbox (IMAP, or the local Maildir) read, each ledger
attached placed in its unit's inbox folder, and each message kept and recorded once."""
