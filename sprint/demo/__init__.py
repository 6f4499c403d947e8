"""Sample ledgers of the bundled Baicheng plan: the demo inbox, the replay's generated
submissions, and the benchmark's province and nation. Plan-specific by nature: they write the
Baicheng templates' columns, as a county office would."""
