"""Mail: rendering drafts from templates, the outbox, and sending through yagmail."""
